import { describe, expect, it } from 'vitest';
import { NetworkSimulator, normalizeNetSim } from '../../client/session/net-sim.ts';

function harness() {
  const timers: Array<{ at: number; fn: () => void }> = [];
  const sim = new NetworkSimulator((fn, ms) => timers.push({ at: ms, fn }));
  const delivered: number[] = [];
  const send = (i: number) => sim.send(Uint8Array.of(i), (b) => delivered.push(b[0]!));
  const flush = () => timers.sort((a, b) => a.at - b.at).splice(0).forEach((t) => t.fn());
  return { sim, timers, delivered, send, flush };
}

describe('NetworkSimulator.send', () => {
  it('passes everything straight through when off', () => {
    const h = harness();
    for (let i = 0; i < 10; i++) h.send(i);
    expect(h.delivered).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(h.timers).toHaveLength(0);
  });

  it('drops about lossPct percent, the same ones for the same seed', () => {
    const run = (seed: number) => {
      const h = harness();
      h.sim.configure({ lossPct: 20, seed });
      for (let i = 0; i < 250; i++) h.send(i);
      return { delivered: h.delivered, stats: h.sim.stats() };
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
    for (let i = 0; i < 200; i++) h.send(i);
    const delays = h.timers.map((t) => t.at);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(25);
    expect(Math.max(...delays)).toBeLessThanOrEqual(55);
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeCloseTo(40, 0);
    h.flush();
    expect([...h.delivered].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(h.delivered).not.toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('clamps settings into range', () => {
    expect(normalizeNetSim({ lossPct: 150, delayMs: -5, jitterMs: Number.NaN, seed: -1 })).toEqual({ lossPct: 100, delayMs: 0, jitterMs: 0, seed: 2 ** 32 - 1 });
  });
});
