/**
 * The cross-relay voice bridge (relay/cluster/cross-voice.ts) with a real
 * Presence, a real VoiceRouter and recording sinks and links in place of
 * node-datachannel: where a local speaker's frame goes (once per relay with
 * a listener in the room, per presence change), and what a frame from
 * another relay may reach (only its speaker's room as this relay sees it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDownlink, encodeForwarded, encodeVoice, Role } from '../../../proto/index.ts';
import { DropStats, Presence, SEED_ROOMS, TypedEmitter, VoiceRouter } from '../../../relay/index.ts';
import type { RelayEvents } from '../../../relay/index.ts';
import { CrossVoice } from '../../../relay/cluster/cross-voice.ts';
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
  return {
    presence,
    router,
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
    t.router.route(1, frame(0));
    expect(t.sent.map(([peer]) => peer)).toEqual(['r2']);
    const d = decodeDownlink(t.sent[0]![1]);
    expect(d.ok && [d.value.sender, d.value.room, d.value.seq]).toEqual([1, LOBBY, 0]);
    expect(two.sent).toHaveLength(1);
    // r3's user moves in: now one copy each.
    t.presence.move(R + 101, 'lobby');
    t.router.route(1, frame(1));
    expect(t.sent.slice(1).map(([peer]) => peer).sort()).toEqual(['r2', 'r3']);
    expect(t.cross.stats().sent).toBe(3);
  });

  it('deafened or departed listeners of a relay stop its copies; a muted speaker sends none', () => {
    const t = rig();
    t.local(1, 'lobby');
    const a = t.remote('r2', 1, 'lobby');
    const b = t.remote('r2', 2, 'lobby', true);
    t.router.route(1, frame(0));
    expect(t.sent).toHaveLength(1);
    t.presence.setSelfState(a, { muted: true, deafened: true });
    t.router.route(1, frame(1));
    expect(t.sent).toHaveLength(1);
    t.presence.setSelfState(b, { muted: false, deafened: false });
    t.router.route(1, frame(2));
    expect(t.sent).toHaveLength(2);
    t.presence.setSelfState(1, { muted: true, deafened: false });
    t.router.route(1, frame(3));
    expect(t.sent).toHaveLength(2);
    t.presence.setSelfState(1, { muted: false, deafened: false });
    t.presence.remove(b);
    t.router.route(1, frame(4));
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
});
