import { describe, expect, it } from 'vitest';
import { NetworkSimulator, normalizeNetSim } from '../../../../client/session/voice/net-sim.ts';

/** A simulator on a fake clock: `advance(ms)` moves time and fires due timers in order. */
function harness() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const sim = new NetworkSimulator((fn, ms) => timers.push({ at: now + ms, fn }), () => now);
  const delivered: Array<[number, number]> = [];
  const send = (i: number) => sim.send(Uint8Array.of(i), (b) => delivered.push([b[0]!, now]));
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { sim, timers, delivered, send, advance };
}
const ids = (d: Array<[number, number]>) => d.map(([i]) => i);

describe('NetworkSimulator.send', () => {
  it('passes everything straight through when off', () => {
    const h = harness();
    for (let i = 0; i < 10; i++) h.send(i);
    expect(ids(h.delivered)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(h.timers).toHaveLength(0);
  });

  it('drops about lossPct percent, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const h = harness();
      h.sim.configure({ lossPct: 20, seed });
      for (let i = 0; i < 250; i++) h.send(i);
      return { delivered: ids(h.delivered), stats: h.sim.stats() };
    };
    const a = run(7);
    expect(a.stats.dropped).toBeGreaterThan(35);
    expect(a.stats.dropped).toBeLessThan(65);
    expect(run(7).delivered).toEqual(a.delivered);
    expect(run(8).delivered).not.toEqual(a.delivered);
  });

  it('delays each datagram by delay ± jitter, which reorders them', () => {
    const h = harness();
    h.sim.configure({ delayMs: 40, jitterMs: 15, seed: 3 });
    for (let i = 0; i < 200; i++) {
      h.send(i);
      h.advance(20); // one datagram per 20 ms, as the capture worklet sends
    }
    h.advance(100);
    const delays = h.delivered.map(([i, at]) => at - i * 20);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(25);
    expect(Math.max(...delays)).toBeLessThanOrEqual(55);
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeCloseTo(40, 0);
    expect([...ids(h.delivered)].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(ids(h.delivered)).not.toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('delivers what is due on the next send even when the timer is late', () => {
    const h = harness();
    h.sim.configure({ delayMs: 10, seed: 3 });
    h.send(1);
    h.timers.length = 0; // the page's timer never fires in time
    h.advance(20);
    h.send(2);
    expect(ids(h.delivered)).toEqual([1]);
  });

  it('clamps settings into range', () => {
    expect(normalizeNetSim({ lossPct: 150, delayMs: -5, jitterMs: Number.NaN, seed: -1 })).toEqual({ lossPct: 100, delayMs: 0, jitterMs: 0, seed: 2 ** 32 - 1 });
  });
});
