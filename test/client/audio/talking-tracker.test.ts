import { describe, expect, it } from 'vitest';
import { TalkingTracker } from '../../../client/audio/talking-tracker.ts';

const loud = Float32Array.from({ length: 960 }, (_, i) => 0.2 * Math.sin(i / 5));
const quiet = new Float32Array(960);

describe('TalkingTracker.tick', () => {
  it('reports only changes, at most every 50 ms', () => {
    const t = new TalkingTracker();
    const reports: (Map<number, boolean> | null)[] = [];
    for (let f = 0; f < 10; f++) {
      t.update(1, loud);
      t.update(2, quiet);
      reports.push(t.tick(960));
    }
    const nonNull = reports.filter((r) => r !== null);
    expect(nonNull).toHaveLength(1);
    expect(nonNull[0]).toEqual(new Map([[1, true], [2, false]]));
  });

  it('turns a sender off about 300 ms after it goes quiet', () => {
    const t = new TalkingTracker();
    t.update(1, loud);
    t.tick(2400);
    let offAt = -1;
    for (let f = 1; f <= 40 && offAt < 0; f++) {
      t.update(1, quiet);
      const r = t.tick(960);
      if (r?.get(1) === false) offAt = f * 20;
    }
    expect(offAt).toBeGreaterThanOrEqual(300);
    expect(offAt).toBeLessThanOrEqual(460);
  });

  it('reports a removed talking sender as false once', () => {
    const t = new TalkingTracker();
    t.update(7, loud);
    expect(t.tick(2400)).toEqual(new Map([[7, true]]));
    t.remove(7);
    expect(t.tick(2400)).toEqual(new Map([[7, false]]));
    expect(t.tick(2400)).toBeNull();
  });
});
