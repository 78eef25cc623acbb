/// <reference types="mocha" />
/**
 * The connect deadline of a file peer connection, in real Chromium WebRTC
 * with a hand-driven clock: a peer that never answers is abandoned when the
 * deadline fires (and not before); a connection whose file channel opens
 * clears its deadline, so it is never abandoned later.
 */
import { assert } from 'chai';
import { CONNECT_DEADLINE_MS, PeerConnection } from '../../../client/files/index.ts';
import type { FrameLink, PeerSignal } from '../../../client/files/index.ts';

/** Timers that fire only when the test says so. */
function manualClock() {
  const timers = new Map<number, { fn: () => void; ms: number }>();
  let next = 1;
  return {
    timers,
    setTimer: (fn: () => void, ms: number): unknown => {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimer: (h: unknown): void => void timers.delete(h as number),
    fireAll(): void {
      for (const [id, t] of [...timers]) {
        timers.delete(id);
        t.fn();
      }
    },
  };
}

suite('file peer connect deadline', () => {
  test('a peer that never answers is abandoned at the deadline, not before', async () => {
    const clock = manualClock();
    const failures: string[] = [];
    const sent: PeerSignal[] = [];
    const pc = new PeerConnection({
      sendSignal: (s) => sent.push(s),
      onChannel: () => {},
      onFailed: (reason) => failures.push(reason),
      setTimer: clock.setTimer,
      clearTimer: clock.clearTimer,
    });
    pc.openChannel();
    // The offer went out (to nobody who answers).
    await new Promise<void>((resolve) => {
      const check = (): void => (sent.some((s) => s.kind === 'description') ? resolve() : void setTimeout(check, 10));
      check();
    });
    assert.equal(clock.timers.size, 1);
    assert.equal([...clock.timers.values()][0]!.ms, CONNECT_DEADLINE_MS);
    assert.deepEqual(failures, []);
    clock.fireAll();
    assert.deepEqual(failures, ['no connection before the deadline']);
    assert.equal(pc.state, 'failed');
  });

  test('a connection whose file channel opens clears its deadline and is never abandoned', async () => {
    const clock = manualClock();
    const failures: string[] = [];
    let toA: (s: PeerSignal) => void = () => {};
    let toB: (s: PeerSignal) => void = () => {};
    let opened!: (l: FrameLink) => void;
    const incoming = new Promise<FrameLink>((r) => (opened = r));
    const deps = { setTimer: clock.setTimer, clearTimer: clock.clearTimer, onFailed: (r: string) => failures.push(r) };
    const a = new PeerConnection({ ...deps, sendSignal: (s) => toB(s), onChannel: () => {} });
    const b = new PeerConnection({ ...deps, sendSignal: (s) => toA(s), onChannel: (l) => opened(l) });
    toA = (s) => void a.signal(s);
    toB = (s) => void b.signal(s);
    assert.equal(clock.timers.size, 2);
    const link = a.openChannel();
    await incoming;
    // Both channels open: a frame crosses.
    const got = new Promise<Uint8Array>((resolve) => void incoming.then((l) => (l.onFrame = resolve)));
    await link.send(new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(await got)], [1, 2, 3]);
    assert.equal(clock.timers.size, 0);
    clock.fireAll();
    assert.deepEqual(failures, []);
    a.close();
    b.close();
  });
});
