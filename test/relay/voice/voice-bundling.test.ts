/**
 * Bundling in the voice router: the first frame of an I/O turn to a listener
 * goes out at once; further frames in the same turn to a listener whose
 * offer said it reads bundles leave together at the end of the turn. Turns
 * are ended by hand (the router's injected `afterTurn`).
 */
import { describe, expect, it } from 'vitest';
import { DatagramKind, decodeDownlink, encodeVoice, MAX_BUNDLE_BYTES, splitDownlink } from '../../../proto/index.ts';
import { routerRig } from '../../helpers/voice-router-rig.ts';
import type { RecordingSink } from '../../helpers/voice-router-rig.ts';

const packet = (seq: number, bytes = 3): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(bytes).fill(seq & 0xff) });

/** Every frame a sink received, bundles opened, as (sender, seq). */
function frames(sink: RecordingSink): string[] {
  const out: string[] = [];
  for (const d of sink.sent) {
    const parts = splitDownlink(d);
    if (!parts.ok) throw new Error(`bad datagram: ${parts.error.code}`);
    for (const p of parts.value) {
      const v = decodeDownlink(p);
      if (!v.ok) throw new Error('bad part');
      out.push(`${v.value.sender}:${v.value.seq}`);
    }
  }
  return out;
}

const bundles = (sink: RecordingSink): number => sink.sent.filter((d) => d[0] === DatagramKind.Bundle).length;

describe('VoiceRouter bundling', () => {
  it('sends the first frame of a turn at once and bundles the rest of that turn', () => {
    const { router, join, endTurn, stats } = routerRig();
    for (const s of [1, 2, 3]) join(s, 'lobby');
    const listener = join(9, 'lobby', { bundles: true });
    router.route(1, packet(10));
    router.route(2, packet(20));
    router.route(3, packet(30));
    // Only the first frame left during the turn.
    expect(frames(listener)).toEqual(['1:10']);
    expect(endTurn()).toBe(1);
    expect(listener.sent).toHaveLength(2);
    expect(bundles(listener)).toBe(1);
    expect(frames(listener)).toEqual(['1:10', '2:20', '3:30']);
    const snap = stats.snapshot();
    expect(snap.bundled).toBe(2);
    // Forwarded counts frames per listener: 3 to #9, and each sender got the other two.
    expect(snap.forwarded).toBe(3 + 3 * 2);
  });

  it('a listener that does not read bundles gets every frame on its own, at once', () => {
    const { router, join, endTurn } = routerRig();
    join(1, 'lobby');
    join(2, 'lobby');
    const plain = join(9, 'lobby');
    router.route(1, packet(1));
    router.route(2, packet(2));
    router.route(1, packet(3));
    expect(frames(plain)).toEqual(['1:1', '2:2', '1:3']);
    endTurn();
    expect(plain.sent).toHaveLength(3);
    expect(bundles(plain)).toBe(0);
  });

  it('a turn with one frame per listener holds nothing, and the next turn starts fresh', () => {
    const { router, join, endTurn, stats } = routerRig();
    join(1, 'lobby');
    const listener = join(9, 'lobby', { bundles: true });
    router.route(1, packet(1));
    expect(listener.sent).toHaveLength(1);
    endTurn();
    router.route(1, packet(2));
    expect(listener.sent).toHaveLength(2);
    endTurn();
    expect(frames(listener)).toEqual(['1:1', '1:2']);
    expect(bundles(listener)).toBe(0);
    expect(stats.snapshot().bundled).toBe(0);
  });

  it('one held frame leaves as a plain datagram at the end of the turn', () => {
    const { router, join, endTurn } = routerRig();
    join(1, 'lobby');
    join(2, 'lobby');
    const listener = join(9, 'lobby', { bundles: true });
    router.route(1, packet(1));
    router.route(2, packet(2));
    endTurn();
    expect(listener.sent).toHaveLength(2);
    expect(listener.sent[1]![0]).toBe(DatagramKind.Forwarded);
  });

  it('splits what a turn held into bundles of at most MAX_BUNDLE_BYTES, in order', () => {
    const { router, join, endTurn } = routerRig({ datagramBurst: 1_000 });
    const senders = Array.from({ length: 30 }, (_, i) => i + 1);
    for (const s of senders) join(s, 'lobby');
    const listener = join(99, 'lobby', { bundles: true });
    for (const s of senders) router.route(s, packet(s, 120));
    endTurn();
    expect(frames(listener)).toEqual(senders.map((s) => `${s}:${s}`));
    for (const d of listener.sent) expect(d.byteLength).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    // 29 held frames of 140 bytes: 7 fit in 1,100 bytes, so 5 datagrams after the first.
    expect(listener.sent).toHaveLength(1 + Math.ceil(29 / 7));
  });

  it('holds nothing back for a listener whose send buffer is over the cap, and counts the drop', () => {
    const { router, join, endTurn, stats } = routerRig({ sendBufferCap: 1_000 });
    join(1, 'lobby');
    join(2, 'lobby');
    const listener = join(9, 'lobby', { bundles: true });
    listener.buffered = 5_000;
    router.route(1, packet(1));
    router.route(2, packet(2));
    endTurn();
    expect(frames(listener)).toEqual(['1:1']);
    expect(stats.snapshot().datagrams['send-buffer-full']).toBe(1);
  });

  it('stops a turn-end flush at the send-buffer cap of a listener that stopped reading', () => {
    const { router, join, endTurn, stats } = routerRig({ datagramBurst: 1_000, sendBufferCap: 1_000 });
    const senders = Array.from({ length: 30 }, (_, i) => i + 1);
    for (const s of senders) join(s, 'lobby');
    const listener = join(99, 'lobby', { bundles: true });
    listener.stalled = true;
    for (const s of senders) router.route(s, packet(s, 120));
    endTurn();
    // The immediate frame (138 B) and one bundle of 7 (982 B) fit under 1,000 B of backlog; the rest is dropped.
    expect(listener.sent).toHaveLength(2);
    expect(frames(listener)).toHaveLength(8);
    expect(stats.snapshot().datagrams['send-buffer-full']).toBe(1);
  });

  it('drops held frames of a session that ended before the turn did', () => {
    const { router, presence, join, endTurn } = routerRig();
    join(1, 'lobby');
    join(2, 'lobby');
    const listener = join(9, 'lobby', { bundles: true });
    router.route(1, packet(1));
    router.route(2, packet(2));
    presence.remove(9);
    router.remove(9);
    endTurn();
    expect(frames(listener)).toEqual(['1:1']);
  });

  it('a send that throws at the end of the turn is counted and the others still go', () => {
    const { router, join, endTurn, stats } = routerRig();
    join(1, 'lobby');
    join(2, 'lobby');
    const a = join(8, 'lobby', { bundles: true });
    const b = join(9, 'lobby', { bundles: true });
    router.route(1, packet(1));
    router.route(2, packet(2));
    a.failSend = true;
    endTurn();
    expect(stats.snapshot().datagrams['send-failed']).toBe(1);
    expect(frames(b)).toEqual(['1:1', '2:2']);
  });
});
