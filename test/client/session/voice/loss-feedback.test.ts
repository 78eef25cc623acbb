import { describe, expect, it } from 'vitest';
import { LossFeedback } from '../../../../client/session/voice/loss-feedback.ts';

describe('LossFeedback.expectedLossPct', () => {
  it('uses the default until a listener reports, then follows the worst recent report within floor and ceiling', () => {
    const f = new LossFeedback();
    expect(f.expectedLossPct(0)).toBe(10);
    f.report(1, 0, 0);
    expect(f.expectedLossPct(0)).toBe(5); // floor
    f.report(2, 0.123, 1000);
    expect(f.expectedLossPct(1000)).toBe(13);
    f.report(3, 0.9, 1000);
    expect(f.expectedLossPct(1000)).toBe(30); // ceiling
  });

  it('forgets stale reports and listeners who left', () => {
    const f = new LossFeedback();
    f.report(1, 0.2, 0);
    f.report(2, 0.07, 9000);
    expect(f.expectedLossPct(9000)).toBe(20);
    expect(f.expectedLossPct(10_001)).toBe(7);
    f.forget(2);
    expect(f.expectedLossPct(10_001)).toBe(10);
  });
});
