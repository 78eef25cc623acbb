import { describe as suite, expect, it } from 'vitest';
import { JitterBuffer } from '../../../client/audio/jitter-buffer.ts';
import { describe, indexOf, mulberry32, playedIndices, playOut, senderStream } from './voice-sim.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const END = 0x02;

suite('JitterBuffer.pull', () => {
  it('plays every packet once and in order for a clean stream', () => {
    const jb = new JitterBuffer();
    const packets = senderStream({ frames: 500 });
    const records = playOut(jb, packets, { startMs: 7, endMs: 10_500 });
    expect(playedIndices(records)).toEqual(range(0, 500));
    const s = jb.stats();
    expect(s).toMatchObject({ played: 500, lost: 0, late: 0, concealed: 0, fecRecovered: 0 });
    expect(s.targetMs).toBeGreaterThanOrEqual(20);
    expect(s.targetMs).toBeLessThanOrEqual(25);
  });

  it('repairs reordering that stays within the target', () => {
    // Every 10th packet is overtaken by the next one (arrives 25 ms late);
    // a 60 ms start target covers it from the first packet on.
    const jb = new JitterBuffer({ startTargetMs: 60 });
    const packets = senderStream({ frames: 400, jitterMs: (i) => (i % 10 === 5 ? 25 : 0) });
    expect(packets.findIndex((p) => p.index === 6)).toBeLessThan(packets.findIndex((p) => p.index === 5));
    const records = playOut(jb, packets, { startMs: 3, endMs: 8_500 });
    expect(playedIndices(records)).toEqual(range(0, 400));
    expect(jb.stats()).toMatchObject({ lost: 0, late: 0, concealed: 0, fecRecovered: 0 });
  });

  it('ignores duplicates', () => {
    const jb = new JitterBuffer();
    const once = senderStream({ frames: 200 });
    const twice = [...once, ...once.map((p) => ({ ...p, arrivalMs: p.arrivalMs + 5 }))].sort((a, b) => a.arrivalMs - b.arrivalMs);
    const outcomes: string[] = [];
    const records = playOut(jb, twice, { startMs: 0, endMs: 4_500, onInsert: (_p, o) => outcomes.push(o) });
    expect(playedIndices(records)).toEqual(range(0, 200));
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(200);
    expect(jb.stats().duplicates).toBe(200);
  });

  it('returns fec with the next payload when one packet is lost and the next is in hand', () => {
    const jb = new JitterBuffer();
    const packets = senderStream({ frames: 120, drop: (i) => i === 50 });
    const seq = playOut(jb, packets, { startMs: 0, endMs: 3_000 }).map((r) => describe(r.result));
    const at = seq.indexOf('p49');
    expect(seq.slice(at, at + 3)).toEqual(['p49', 'f51', 'p51']);
    expect(jb.stats()).toMatchObject({ fecRecovered: 1, lost: 1, concealed: 0 });
  });

  it('conceals a lost burst and resumes with FEC for its last frame', () => {
    const jb = new JitterBuffer();
    const packets = senderStream({ frames: 120, drop: (i) => i >= 50 && i < 55 });
    const seq = playOut(jb, packets, { startMs: 0, endMs: 3_000 }).map((r) => describe(r.result));
    const at = seq.indexOf('p49');
    expect(seq.slice(at, at + 7)).toEqual(['p49', 'conceal', 'conceal', 'conceal', 'conceal', 'f55', 'p55']);
    expect(jb.stats()).toMatchObject({ lost: 5, concealed: 4, fecRecovered: 1 });
  });

  it('plays silence, not concealment, through a 2 s DTX gap and keeps the target', () => {
    const jb = new JitterBuffer();
    // Frames 0..99 voice, 100 is the TOC-only DTX frame, 101..199 not sent
    // (ts runs on), 200.. voice again: contiguous seq, ts jump of 2 s.
    const packets = senderStream({
      frames: 300,
      shape: (i) => (i === 100 ? { payload: Uint8Array.of(0xf8) } : i > 100 && i < 200 ? { skip: true } : undefined),
    });
    const records = playOut(jb, packets, { startMs: 5, endMs: 6_500 });
    const seq = records.map((r) => describe(r.result));
    const last = seq.indexOf('p99');
    const resume = seq.indexOf('p200');
    expect(resume - last).toBeGreaterThanOrEqual(100);
    expect(new Set(seq.slice(last + 1, resume))).toEqual(new Set(['silence']));
    expect(playedIndices(records)).toEqual([...range(0, 100), ...range(200, 300)]);
    expect(jb.stats()).toMatchObject({ lost: 0, concealed: 0, late: 0 });
    const targetBefore = records[last]!.targetMs;
    expect(Math.max(...records.slice(last).map((r) => r.targetMs))).toBeLessThanOrEqual(targetBefore + 1);
  });

  it('plays silence after an End packet while the sender is not transmitting', () => {
    const jb = new JitterBuffer();
    const packets = senderStream({
      frames: 200,
      shape: (i) => (i === 59 ? { flags: END } : i >= 60 && i < 110 ? { skip: true } : undefined),
    });
    const seq = playOut(jb, packets, { startMs: 0, endMs: 4_500 }).map((r) => describe(r.result));
    const between = seq.slice(seq.indexOf('p59') + 1, seq.indexOf('p110'));
    expect(between.length).toBeGreaterThan(40);
    expect(new Set(between)).toEqual(new Set(['silence']));
    expect(jb.stats().concealed).toBe(0);
  });

  it('drops and counts a packet that arrives after its slot', () => {
    const jb = new JitterBuffer();
    const packets = senderStream({ frames: 150, jitterMs: (i) => (i === 80 ? 300 : 0) });
    const outcomes = new Map<number, string>();
    const records = playOut(jb, packets, { startMs: 0, endMs: 3_500, onInsert: (p, o) => outcomes.set(p.index, o) });
    expect(outcomes.get(80)).toBe('late');
    expect(playedIndices(records)).not.toContain(80);
    expect(records.map((r) => describe(r.result))).toContain('f81');
    expect(jb.stats()).toMatchObject({ late: 1, lost: 1 });
  });

  it('grows the target to cover ±15 ms of jitter and keeps it within 20..200 ms', () => {
    const jb = new JitterBuffer();
    const rnd = mulberry32(7);
    const packets = senderStream({ frames: 1500, jitterMs: () => 15 + (rnd() * 2 - 1) * 15 });
    const records = playOut(jb, packets, { startMs: 0, endMs: 30_500 });
    for (const r of records) {
      expect(r.targetMs).toBeGreaterThanOrEqual(20);
      expect(r.targetMs).toBeLessThanOrEqual(200);
    }
    const steady = records.slice(500);
    const meanTarget = steady.reduce((a, r) => a + r.targetMs, 0) / steady.length;
    expect(meanTarget).toBeGreaterThan(20 + 25); // q95 of a 30 ms spread, plus the FEC frame
    expect(meanTarget).toBeLessThan(20 + 31);
    const s = jb.stats();
    expect(s.late + s.lost).toBeLessThan(15); // < 1 %
    expect(s.played).toBeGreaterThan(1480);
  });

  for (const ratio of [1.001, 0.999]) {
    it(`keeps the delay bounded over 10 minutes of ${ratio > 1 ? 'fast' : 'slow'} sender clock (${ratio})`, () => {
      const jb = new JitterBuffer();
      const rnd = mulberry32(ratio > 1 ? 11 : 12);
      const frames = 30_000; // 10 min of sender time
      const packets = senderStream({ frames, clockRatio: ratio, jitterMs: () => rnd() * 10 });
      const records = playOut(jb, packets, { startMs: 0, endMs: frames * 20 / ratio + 500 });
      const live = records.filter((r) => r.result.kind !== 'silence' || r.bufferedMs > 0).slice(50, -50);
      const maxBuffered = Math.max(...live.map((r) => r.bufferedMs));
      const maxOver = Math.max(...live.map((r) => r.delayMs - r.targetMs));
      const final = live.at(-1)!;
      expect(maxBuffered).toBeLessThan(100);
      expect(maxOver).toBeLessThan(60);
      expect(final.delayMs - final.targetMs).toBeGreaterThan(-25);
      expect(final.delayMs - final.targetMs).toBeLessThan(45);
      const s = jb.stats();
      // 600 ms of drift is 30 frames: absorbed by ~30 drops or holds, not by growing delay.
      expect(s.played).toBeGreaterThan(frames - 100);
      if (ratio > 1) expect(s.dropped).toBeGreaterThanOrEqual(25);
      else expect(s.held).toBeGreaterThanOrEqual(25);
    });
  }

  it('handles seq and ts wrapping at 2^32', () => {
    const jb = new JitterBuffer();
    const packets = senderStream({ frames: 300, seq0: 2 ** 32 - 150, ts0: 2 ** 32 - 960 * 120 });
    expect(packets.some((p) => p.seq === 0)).toBe(true);
    const records = playOut(jb, packets, { startMs: 0, endMs: 6_500 });
    expect(playedIndices(records)).toEqual(range(0, 300));
    expect(jb.stats()).toMatchObject({ lost: 0, late: 0, concealed: 0 });
  });

  it('recovers from a 300 ms stall without keeping the backlog as delay', () => {
    const jb = new JitterBuffer();
    // Frames 100..114 are held by the network and released together.
    const packets = senderStream({ frames: 400, jitterMs: (i) => (i >= 100 && i < 115 ? (115 - i) * 20 : 0) });
    const records = playOut(jb, packets, { startMs: 0, endMs: 8_500 });
    const after = records.filter((r) => r.atMs > 2_400 + 3_000 && r.atMs < 8_000);
    expect(Math.max(...after.map((r) => r.bufferedMs))).toBeLessThan(Math.max(...after.map((r) => r.targetMs)) + 41);
    const played = playedIndices(records);
    expect(played.slice(-100)).toEqual(range(300, 400));
    expect(new Set(played).size).toBe(played.length);
  });

  it('restarts cleanly after a long pause with fresh counters on the same stream', () => {
    const jb = new JitterBuffer();
    const first = senderStream({ frames: 50 });
    const second = senderStream({ frames: 50, seq0: 50, ts0: 150 * 960, startMs: 3_000 - 20 });
    const records = playOut(jb, [...first, ...second], { startMs: 0, endMs: 5_000 });
    expect(playedIndices(records)).toEqual([...range(0, 50), ...range(0, 50)]);
    expect(jb.stats()).toMatchObject({ lost: 0, late: 0 });
  });
  it('converges and stays within bounds under everything at once: loss, bursts, reordering, duplicates, DTX gaps, +0.1 % drift', () => {
    const jb = new JitterBuffer();
    const rnd = mulberry32(21);
    let inBurst = false;
    // Gilbert-Elliott loss: 5 % of frames start a burst, bursts last 3 frames on average; plus 5 % random loss.
    const lost = (i: number) => {
      inBurst = inBurst ? rnd() < 0.66 : rnd() < 0.05;
      return inBurst || (i % 7 === 3 && rnd() < 0.35);
    };
    const packets = senderStream({
      frames: 3000, // 60 s
      clockRatio: 1.001,
      drop: lost,
      jitterMs: () => rnd() * 25, // up to 25 ms: reorders neighbours
      // 1.6 s talk, 0.4 s DTX pause (first frame TOC-only, rest not sent)
      shape: (i) => (i % 100 === 80 ? { payload: Uint8Array.of(0xf8) } : i % 100 > 80 ? { skip: true } : undefined),
    });
    const withDupes = [...packets, ...packets.filter((_, k) => k % 50 === 0).map((p) => ({ ...p, arrivalMs: p.arrivalMs + 7 }))].sort((a, b) => a.arrivalMs - b.arrivalMs);
    const records = playOut(jb, withDupes, { startMs: 0, endMs: 61_000 });
    for (const r of records) {
      expect(r.targetMs).toBeGreaterThanOrEqual(20);
      expect(r.targetMs).toBeLessThanOrEqual(200);
    }
    const later = records.filter((r) => r.atMs > 5_000 && r.result.kind !== 'silence');
    expect(Math.max(...later.map((r) => r.delayMs - r.targetMs))).toBeLessThan(60);
    expect(Math.max(...later.map((r) => r.bufferedMs))).toBeLessThan(150);
    const s = jb.stats();
    const sent = packets.length;
    expect(s.duplicates).toBeGreaterThan(0);
    expect(s.played + s.fecRecovered).toBeGreaterThan(sent * 0.85);
    expect(s.late).toBeLessThan(sent * 0.02);
  });
});

suite('JitterBuffer.insert', () => {
  it('restarts the stream when the sender restarts its seq far away', () => {
    const jb = new JitterBuffer();
    const a = senderStream({ frames: 60 });
    const b = senderStream({ frames: 60, seq0: 1_000_000, ts0: 5, startMs: 1_400 });
    const outcomes: string[] = [];
    const records = playOut(jb, [...a, ...b], { startMs: 0, endMs: 3_000, onInsert: (_p, o) => outcomes.push(o) });
    expect(outcomes).toContain('reset');
    const played = playedIndices(records);
    expect(played.filter((i) => i < 60).length).toBeGreaterThan(100);
    expect(played.at(-1)).toBe(59);
    expect(indexOf(b[0]!.payload)).toBe(0);
  });
});
