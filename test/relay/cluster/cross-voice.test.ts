/**
 * The cross-relay voice bridge (relay/cluster/cross-voice.ts) with a real
 * Presence, a real VoiceRouter and recording sinks and links in place of
 * node-datachannel: where a local speaker's frame goes (once per relay with
 * a listener in the room, per presence change), and what a frame from
 * another relay may reach (only its speaker's room as this relay sees it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatagramKind, decodeDownlink, encodeForwarded, encodeVoice, MAX_OPUS_BYTES, Role } from '../../../proto/index.ts';
import { DropStats, Presence, SEED_ROOMS, TypedEmitter, VoiceRouter } from '../../../relay/index.ts';
import type { RelayEvents } from '../../../relay/index.ts';
import { CrossVoice } from '../../../relay/cluster/cross-voice.ts';
import { MAX_LINK_MESSAGE_BYTES } from '../../../relay/cluster/link-bundle.ts';
import { LOSS_REPORT_EVERY } from '../../../relay/cluster/link-loss.ts';
import { REMOTE_SESSION_BASE } from '../../../relay/cluster/presence-sync.ts';
import { RecordingSink } from '../../helpers/voice-router-rig.ts';

const LOBBY = 1;
const QUIET = 2;
const R = REMOTE_SESSION_BASE;

function rig() {
  const clock = { now: () => 1_000 };
  const presence = new Presence(SEED_ROOMS);
  const relayOf = new Map<number, string>();
  const sent: Array<[string, Uint8Array]> = [];
  const wanted: string[][] = [];
  const open = new Set(['r2', 'r3']);
  // The end of an I/O turn, driven by the test: frames routed before it may share a link message.
  let turnEnds: Array<() => void> = [];
  const cross = new CrossVoice({
    presence,
    relayOf: (id) => relayOf.get(id),
    // Relay r2's session s is shown here as R + s, r3's as R + 100 + s.
    shownAs: (relay, s) => [...relayOf].find(([id, r]) => r === relay && id - R - (relay === 'r3' ? 100 : 0) === s)?.[0],
    links: {
      want: (peers) => void wanted.push([...peers].sort()),
      send: (peer, bytes) => (open.has(peer) ? sent.push([peer, bytes]) > 0 : false),
      up: () => [...open],
    },
    clock,
    afterTurn: (fn) => void turnEnds.push(fn),
  });
  const router = new VoiceRouter({
    directory: presence,
    stats: new DropStats(new TypedEmitter<RelayEvents>()),
    clock,
    limits: { datagramBurst: 1_000, datagramPerSecond: 1_000, sendBufferCap: 64 * 1024, maxDatagramAgeMs: 0 },
    remote: cross,
    afterTurn: () => {},
  });
  cross.bind(router);
  const sinks = new Map<number, RecordingSink>();
  const add = (sessionId: number, roomId: string, deafened = false): void => {
    presence.add({ sessionId, publicKey: new Uint8Array(32), displayName: `u${sessionId}`, roomId, muted: deafened, deafened, role: Role.MEMBER });
  };
  const endTurn = (): void => {
    const fns = turnEnds;
    turnEnds = [];
    for (const fn of fns) fn();
  };
  return {
    presence,
    router,
    endTurn,
    /** One frame from local `sessionId`, in a turn of its own (frames 20 ms apart do not share one). */
    speak(sessionId: number, bytes: Uint8Array): void {
      router.route(sessionId, bytes);
      endTurn();
    },
    cross,
    sent,
    wanted,
    open,
    sinks,
    local(sessionId: number, roomId: string): RecordingSink {
      add(sessionId, roomId);
      const sink = new RecordingSink();
      router.attach(sessionId, sink);
      sinks.set(sessionId, sink);
      return sink;
    },
    remote(relay: string, s: number, roomId: string, deafened = false): number {
      const id = R + (relay === 'r3' ? 100 : 0) + s;
      relayOf.set(id, relay);
      add(id, roomId, deafened);
      return id;
    },
  };
}

const frame = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array([seq, 1, 2, 3]) });

describe('cross-relay voice bridge', () => {
  it('a local frame goes once to each relay with a listener in the room, never to one without', () => {
    const t = rig();
    t.local(1, 'lobby');
    const two = t.local(2, 'lobby');
    t.remote('r2', 1, 'lobby');
    t.remote('r2', 2, 'lobby');
    t.remote('r2', 3, 'lobby');
    t.remote('r3', 1, 'quiet');
    expect(t.wanted.at(-1)).toEqual(['r2', 'r3']);
    t.speak(1, frame(0));
    expect(t.sent.map(([peer]) => peer)).toEqual(['r2']);
    const d = decodeDownlink(t.sent[0]![1]);
    expect(d.ok && [d.value.sender, d.value.room, d.value.seq]).toEqual([1, LOBBY, 0]);
    expect(two.sent).toHaveLength(1);
    // r3's user moves in: now one copy each.
    t.presence.move(R + 101, 'lobby');
    t.speak(1, frame(1));
    expect(t.sent.slice(1).map(([peer]) => peer).sort()).toEqual(['r2', 'r3']);
    expect(t.cross.stats().sent).toBe(3);
  });

  it('deafened or departed listeners of a relay stop its copies; a muted speaker sends none', () => {
    const t = rig();
    t.local(1, 'lobby');
    const a = t.remote('r2', 1, 'lobby');
    const b = t.remote('r2', 2, 'lobby', true);
    t.speak(1, frame(0));
    expect(t.sent).toHaveLength(1);
    t.presence.setSelfState(a, { muted: true, deafened: true });
    t.speak(1, frame(1));
    expect(t.sent).toHaveLength(1);
    t.presence.setSelfState(b, { muted: false, deafened: false });
    t.speak(1, frame(2));
    expect(t.sent).toHaveLength(2);
    t.presence.setSelfState(1, { muted: true, deafened: false });
    t.speak(1, frame(3));
    expect(t.sent).toHaveLength(2);
    t.presence.setSelfState(1, { muted: false, deafened: false });
    t.presence.remove(b);
    t.speak(1, frame(4));
    expect(t.sent).toHaveLength(2);
    t.presence.remove(a);
    // r2 has nobody here any more: no link wanted.
    expect(t.wanted.at(-1)).toEqual([]);
  });

  it('a frame from another relay reaches the local members of its speaker’s room only, renamed as shown here', () => {
    const t = rig();
    const inLobby = t.local(1, 'lobby');
    const inQuiet = t.local(2, 'quiet');
    const speaker = t.remote('r2', 7, 'lobby');
    t.cross.receive('r2', encodeForwarded({ sender: 7, room: LOBBY, seq: 5, ts: 0, flags: 0, payload: new Uint8Array([9]) }));
    expect(inLobby.sent).toHaveLength(1);
    const d = decodeDownlink(inLobby.sent[0]!);
    expect(d.ok && [d.value.sender, d.value.room, d.value.seq]).toEqual([speaker, LOBBY, 5]);
    expect(inQuiet.sent).toHaveLength(0);
    // Racing a move: r2 says quiet, this relay still sees the speaker in the lobby. Heard nowhere.
    t.cross.receive('r2', encodeForwarded({ sender: 7, room: QUIET, seq: 6, ts: 0, flags: 0, payload: new Uint8Array([9]) }));
    // Unknown speaker, a speaker named by the wrong relay, garbage.
    t.cross.receive('r2', encodeForwarded({ sender: 8, room: LOBBY, seq: 7, ts: 0, flags: 0, payload: new Uint8Array([9]) }));
    t.cross.receive('r3', encodeForwarded({ sender: 7, room: LOBBY, seq: 8, ts: 0, flags: 0, payload: new Uint8Array([9]) }));
    t.cross.receive('r2', frame(9));
    expect(inLobby.sent).toHaveLength(1);
    expect(inQuiet.sent).toHaveLength(0);
    expect(t.cross.stats()).toMatchObject({ received: 1, sent: 0, dropped: { 'wrong-room': 1, 'unknown-sender': 2, malformed: 1 } });
  });

  it('frames from other relays are never sent on to a third relay', () => {
    const t = rig();
    t.local(1, 'lobby');
    t.remote('r2', 7, 'lobby');
    t.remote('r3', 1, 'lobby');
    t.cross.receive('r2', encodeForwarded({ sender: 7, room: LOBBY, seq: 1, ts: 0, flags: 0, payload: new Uint8Array([1]) }));
    expect(t.sinks.get(1)!.sent).toHaveLength(1);
    expect(t.sent).toHaveLength(0);
  });

  it('any bytes from a peer relay: never throws, never reaches another room', () => {
    const t = rig();
    const inQuiet = t.local(2, 'quiet');
    t.remote('r2', 7, 'lobby');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1_400 }), (bytes) => {
        t.cross.receive('r2', bytes);
      }),
      { numRuns: 300 },
    );
    expect(inQuiet.sent).toHaveLength(0);
  });

  describe('bundling per turn', () => {
    /** Relay A (speakers 1..n local, one listener on r2) and relay B (A's speakers shown as users of r2, one local listener). */
    function pair(speakers: number) {
      const a = rig();
      const b = rig();
      for (let s = 1; s <= speakers; s++) {
        a.local(s, 'lobby');
        b.remote('r2', s, 'lobby');
      }
      a.remote('r2', 100, 'lobby');
      const listener = b.local(1, 'lobby');
      /** A's link messages so far, received by B as copies (the wire copies them). */
      let carried = 0;
      const carry = (): void => {
        for (const [, bytes] of a.sent.slice(carried)) b.cross.receive('r2', new Uint8Array(bytes));
        carried = a.sent.length;
      };
      /** What B's listener heard: [speaker as shown on B, seq]. */
      const heard = (): Array<[number, number]> =>
        listener.sent.map((d) => {
          const p = decodeDownlink(d);
          if (!p.ok) throw new Error('undecodable downlink');
          return [p.value.sender, p.value.seq];
        });
      return { a, b, carry, heard };
    }

    it('several speakers in one turn: the first frame leaves at once, the rest in one link message at the turn’s end, each heard once', () => {
      const { a, b, carry, heard } = pair(4);
      for (let s = 1; s <= 4; s++) a.router.route(s, frame(s));
      // Nothing waits for company: speaker 1's frame is already on the link.
      expect(a.sent).toHaveLength(1);
      expect(a.sent[0]![1][0]).toBe(DatagramKind.Forwarded);
      a.endTurn();
      expect(a.sent).toHaveLength(2);
      expect(a.sent[1]![1][0]).toBe(DatagramKind.Bundle);
      expect(a.cross.stats()).toMatchObject({ sent: 4, messages: 2, unsent: 0 });
      carry();
      expect(heard()).toEqual([1, 2, 3, 4].map((s) => [R + s, s]));
      expect(b.cross.stats()).toMatchObject({ received: 4, dropped: { malformed: 0, 'rate-limited': 0, 'unknown-sender': 0, 'wrong-room': 0 } });
      // The next turn starts afresh: its first frame leaves at once again.
      a.router.route(2, frame(9));
      expect(a.sent).toHaveLength(3);
    });

    it('a long turn of large frames fills several messages, none past one packet, in order per speaker', () => {
      const { a, carry, heard } = pair(3);
      const big = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(400).fill(seq) });
      for (let seq = 0; seq < 4; seq++) for (let s = 1; s <= 3; s++) a.router.route(s, big(seq));
      a.endTurn();
      expect(a.cross.stats()).toMatchObject({ sent: 12, unsent: 0 });
      expect(a.sent.length).toBeGreaterThan(2);
      expect(a.sent.length).toBeLessThan(12);
      for (const [, m] of a.sent) expect(m.byteLength).toBeLessThanOrEqual(MAX_LINK_MESSAGE_BYTES);
      carry();
      for (let s = 1; s <= 3; s++) expect(heard().filter(([who]) => who === R + s).map(([, seq]) => seq)).toEqual([0, 1, 2, 3]);
    });

    it('held frames for a link that went down in the turn count as unsent, not sent', () => {
      const { a } = pair(2);
      a.router.route(1, frame(1));
      a.router.route(2, frame(2));
      a.open.delete('r2');
      a.endTurn();
      expect(a.cross.stats()).toMatchObject({ sent: 1, unsent: 1, messages: 1 });
    });

    it('any speakers, sizes and turns: every frame heard exactly once, in order per speaker, no message past one packet', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ speaker: fc.integer({ min: 1, max: 5 }), bytes: fc.integer({ min: 1, max: MAX_OPUS_BYTES }), endsTurn: fc.boolean() }), { maxLength: 60 }),
          (steps) => {
            const { a, carry, heard } = pair(5);
            const seqs = new Map<number, number>();
            const expected: Array<[number, number]> = [];
            for (const step of steps) {
              const seq = seqs.get(step.speaker) ?? 0;
              seqs.set(step.speaker, seq + 1);
              a.router.route(step.speaker, encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(step.bytes) }));
              expected.push([R + step.speaker, seq]);
              if (step.endsTurn) a.endTurn();
            }
            a.endTurn();
            for (const [, m] of a.sent) expect(m[0] === DatagramKind.Forwarded || m.byteLength <= MAX_LINK_MESSAGE_BYTES).toBe(true);
            carry();
            const got = heard();
            expect(got).toHaveLength(expected.length);
            for (let s = 1; s <= 5; s++) {
              const mine = (l: Array<[number, number]>): number[] => l.filter(([who]) => who === R + s).map(([, seq]) => seq);
              expect(mine(got)).toEqual(mine(expected));
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  });

  it('loss reports: the receiving relay tells the sender how many link messages arrived; the difference is what the link lost', () => {
    const a = rig();
    const b = rig();
    a.local(1, 'lobby');
    a.remote('r2', 100, 'lobby');
    b.remote('r2', 1, 'lobby');
    b.local(1, 'lobby');
    // Each frame in its own turn (one message each); the wire loses every tenth; reports go straight back.
    const total = 2 * LOSS_REPORT_EVERY + 30;
    for (let seq = 1; seq <= total; seq++) {
      a.speak(1, frame(seq % 256));
      const [, bytes] = a.sent.at(-1)!;
      if (seq % 10 !== 0) b.cross.receive('r2', new Uint8Array(bytes));
      while (b.sent.length > 0) a.cross.receive('r2', b.sent.shift()![1]);
    }
    // The second report came when B had 200 messages, of the 222 A had sent by then.
    expect(a.cross.stats().reported).toEqual({ r2: { sent: 222, received: 2 * LOSS_REPORT_EVERY } });
    expect(b.cross.stats().reported).toEqual({});
    // A report that does not parse is dropped; a link that opens again starts counting afresh.
    a.cross.receive('r2', Uint8Array.of(0x10, 1, 2));
    expect(a.cross.stats().dropped.malformed).toBe(1);
    a.cross.linkChanged('r2', true);
    expect(a.cross.stats().reported).toEqual({});
  });
});
