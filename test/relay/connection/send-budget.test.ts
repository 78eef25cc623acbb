/**
 * The send budget's rules as numbers (relay/connection/send-budget.ts):
 * hysteresis, room for an optional reply, the refusal count that closes a
 * reader that keeps asking, the stall time. Virtual clock; the real-socket
 * behaviour is in back-pressure.relay.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SendBudget } from '../../../relay/connection/send-budget.ts';
import { VirtualClock } from '../../helpers/virtual-clock.ts';

const limits = { sendBudgetBytes: 4096, sendSoftBytes: 1024, sendStallMs: 1_000, maxRefusedWhileCongested: 3 };

describe('SendBudget', () => {
  it('is congested above the soft mark until the buffer drains to half of it', () => {
    const budget = new SendBudget(limits, new VirtualClock());
    expect(budget.congested(1024)).toBe(false);
    expect(budget.congested(1025)).toBe(true);
    expect(budget.congested(600)).toBe(true);
    expect(budget.congested(512)).toBe(false);
  });

  it('has room for an optional reply only if it stays under the soft mark; refusing one starts an episode', () => {
    const budget = new SendBudget(limits, new VirtualClock());
    expect(budget.hasRoomForOptional(0, 1024)).toBe(true);
    expect(budget.hasRoomForOptional(100, 1000)).toBe(false);
    expect(budget.congested(100)).toBe(false);
    expect(budget.hasRoomForOptional(600, 100)).toBe(true);
    expect(budget.hasRoomForOptional(600, 500)).toBe(false);
    expect(budget.congested(600)).toBe(true);
  });

  it('says close at the maxRefusedWhileCongested-th refusal of one episode, and counts anew after a drain', () => {
    const budget = new SendBudget(limits, new VirtualClock());
    expect(budget.refuse(0)).toBe(false);
    expect(budget.refuse(2000)).toBe(false);
    expect(budget.refuse(2000)).toBe(false);
    expect(budget.congested(0)).toBe(false);
    expect(budget.refuse(2000)).toBe(false);
    expect(budget.refuse(2000)).toBe(false);
    expect(budget.refuse(2000)).toBe(true);
  });

  it('is stalled after sendStallMs congested without a drain', () => {
    const clock = new VirtualClock();
    const budget = new SendBudget(limits, clock);
    budget.note(2000);
    clock.advance(999);
    expect(budget.stalled(2000, clock.now())).toBe(false);
    clock.advance(1);
    expect(budget.stalled(700, clock.now())).toBe(true);
    expect(budget.stalled(0, clock.now())).toBe(false);
  });

  it('never lets a frame take the buffer past the hard budget (any sizes)', () => {
    fc.assert(
      fc.property(fc.nat(8192), fc.nat(8192), (buffered, frame) => {
        const budget = new SendBudget(limits, new VirtualClock());
        if (!budget.overBudget(buffered, frame)) expect(buffered + frame).toBeLessThanOrEqual(limits.sendBudgetBytes);
      }),
    );
  });
});
