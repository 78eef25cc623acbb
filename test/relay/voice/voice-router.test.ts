/**
 * The voice router on its own, with real Presence and DropStats and recording
 * sinks in place of DataChannels (the sink is the edge to node-datachannel).
 *
 * The "unauthenticated" case is tested here rather than through sockets, on
 * purpose: when a WebSocket closes, the relay removes the session from the
 * router and closes its PeerConnection in the same tick, so a real datagram
 * can only hit that path if node-datachannel has one already queued, which a
 * test cannot arrange deterministically. The router sees exactly what it
 * would see then: a datagram tagged with a session id that is not registered.
 */
import { describe, expect, it } from 'vitest';
import { decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { RecordingSink, routerRig as setup } from '../../helpers/voice-router-rig.ts';

const packet = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(seq, 1, 2) });

describe('VoiceRouter.route', () => {
  it('counts a datagram from an unregistered session as unauthenticated and sends nothing', () => {
    const { router, stats, join } = setup();
    const listener = join(1, 'lobby');
    router.route(99, packet(1));
    expect(stats.snapshot().datagrams.unauthenticated).toBe(1);
    expect(listener.sent).toEqual([]);
  });

  it('counts datagrams from a session that left as unauthenticated', () => {
    const { router, stats, presence, join } = setup();
    join(1, 'lobby');
    const listener = join(2, 'lobby');
    presence.remove(1);
    router.remove(1);
    router.route(1, packet(1));
    expect(stats.snapshot().datagrams.unauthenticated).toBe(1);
    expect(listener.sent).toEqual([]);
  });

  it('forwards one shared buffer to the other members of the room only', () => {
    const { router, stats, join } = setup();
    const s1 = join(1, 'lobby');
    const s2 = join(2, 'lobby');
    const s3 = join(3, 'lobby');
    const s4 = join(4, 'quiet');
    router.route(1, packet(5));
    expect(s1.sent).toEqual([]);
    expect(s4.sent).toEqual([]);
    expect(s2.sent).toHaveLength(1);
    // One allocation for all recipients.
    expect(s3.sent[0]).toBe(s2.sent[0]);
    const down = decodeDownlink(s2.sent[0]!);
    expect(down.ok && down.value).toMatchObject({ sender: 1, room: 1, seq: 5, ts: 4800 });
    expect(stats.snapshot().forwarded).toBe(2);
  });

  it('skips deafened members and members without an open channel', () => {
    const { router, presence, join } = setup();
    join(1, 'lobby');
    const deaf = join(2, 'lobby');
    const closed = join(3, 'lobby');
    const ok = join(4, 'lobby');
    presence.setSelfState(2, { muted: false, deafened: true });
    closed.open = false;
    router.route(1, packet(1));
    expect([deaf.sent.length, closed.sent.length, ok.sent.length]).toEqual([0, 0, 1]);
    // Its close callback detaches it: then it is not even tried.
    router.detach(3, closed);
    router.route(1, packet(2));
    expect([closed.sent.length, ok.sent.length]).toEqual([0, 2]);
  });

  it('drops voice from a muted sender, counted muted, and forwards again after unmute', () => {
    const { router, presence, stats, join } = setup();
    join(1, 'lobby');
    const listener = join(2, 'lobby');
    presence.setSelfState(1, { muted: true, deafened: false });
    router.route(1, packet(1));
    expect(listener.sent).toHaveLength(0);
    expect(stats.snapshot().datagrams.muted).toBe(1);
    presence.setSelfState(1, { muted: false, deafened: false });
    router.route(1, packet(2));
    expect(listener.sent).toHaveLength(1);
  });

  it('skips a recipient whose send buffer is over the cap once a send was buffered, counting send-buffer-full', () => {
    const { router, stats, join } = setup({ sendBufferCap: 1000 });
    join(1, 'lobby');
    const slow = join(2, 'lobby');
    const fast = join(3, 'lobby');
    slow.buffered = 1001;
    // The first send reports "buffered"; from then on the router asks how much before sending.
    router.route(1, packet(1));
    router.route(1, packet(2));
    router.route(1, packet(3));
    expect(slow.sent).toHaveLength(1);
    expect(fast.sent).toHaveLength(3);
    expect(stats.snapshot().datagrams['send-buffer-full']).toBe(2);
    // Drained: sends resume.
    slow.buffered = 0;
    router.route(1, packet(4));
    expect(slow.sent).toHaveLength(2);
  });

  it('counts send-failed when the native send throws and still serves the others', () => {
    const { router, stats, join } = setup();
    join(1, 'lobby');
    const broken = join(2, 'lobby');
    const fine = join(3, 'lobby');
    broken.failSend = true;
    router.route(1, packet(1));
    expect(fine.sent).toHaveLength(1);
    expect(stats.snapshot().datagrams['send-failed']).toBe(1);
  });

  it('drops malformed datagrams by reason', () => {
    const { router, stats, join } = setup();
    join(1, 'lobby');
    const listener = join(2, 'lobby');
    router.route(1, new Uint8Array(0));
    router.route(1, Uint8Array.of(9, 9));
    router.route(1, packet(1).subarray(0, 10));
    router.route(1, new Uint8Array(2000).fill(1));
    router.route(1, Uint8Array.of(0, 0));
    router.route(1, Uint8Array.of(0));
    router.route(1, 'text');
    const d = stats.snapshot().datagrams;
    expect([d.empty, d['unknown-kind'], d['bad-length'], d['too-large'], d.keepalive, d['not-binary']]).toEqual([1, 1, 2, 1, 1, 1]);
    expect(listener.sent).toEqual([]);
  });

  it('rate-limits each sender with its own bucket, refilled by the clock', () => {
    const { router, stats, join, advance } = setup({ datagramBurst: 3, datagramPerSecond: 50 });
    join(1, 'lobby');
    join(2, 'lobby');
    const listener = join(3, 'lobby');
    for (let i = 0; i < 5; i++) router.route(1, packet(i));
    router.route(2, packet(100));
    expect(stats.snapshot().datagrams['rate-limited']).toBe(2);
    expect(listener.sent).toHaveLength(4);
    advance(20); // one token at 50/s
    router.route(1, packet(6));
    router.route(1, packet(7));
    expect(listener.sent).toHaveLength(5);
    expect(stats.snapshot().datagrams['rate-limited']).toBe(3);
  });

  it('ignores the late close of a replaced channel', () => {
    const { router, join } = setup();
    join(1, 'lobby');
    const old = join(2, 'lobby');
    const replacement = new (old.constructor as typeof RecordingSink)();
    router.attach(2, replacement);
    router.detach(2, old);
    router.route(1, packet(1));
    expect(old.sent).toHaveLength(0);
    expect(replacement.sent).toHaveLength(1);
  });
});
