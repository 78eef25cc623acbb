import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { attachLogger, DropStats, TypedEmitter } from '../../../relay/index.ts';
import type { Logger, RelayEvents } from '../../../relay/index.ts';

describe('attachLogger', () => {
  it('writes one drop line per reason per window and reports how many it suppressed', () => {
    let now = 0;
    const lines: string[] = [];
    const logger: Logger = { debug: () => {}, info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) };
    const events = new TypedEmitter<RelayEvents>();
    attachLogger(events, logger, { now: () => now });
    const stats = new DropStats(events);
    for (let i = 0; i < 5; i++) stats.frame('malformed', 7, 'bad\nline');
    stats.datagram('rate-limited', 3);
    now += 10_001;
    stats.frame('malformed', 8);
    expect(lines).toEqual([
      'frame dropped [reason:malformed, conn:7, detail:bad\\u000aline]',
      'datagram dropped [reason:rate-limited, session:3]',
      'frame dropped [reason:malformed, conn:8, suppressed:4]',
    ]);
    expect(stats.snapshot().frames.malformed).toBe(6);
  });

  it('formats auth refusals with the code name', () => {
    const lines: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: (l) => lines.push(l), error: () => {} };
    const events = new TypedEmitter<RelayEvents>();
    attachLogger(events, logger, { now: () => 0 });
    events.emit('auth-refused', { connId: 2, code: ErrorCode.WRONG_PASSWORD, detail: 'password does not match' });
    expect(lines).toEqual(['auth refused [conn:2, code:WRONG_PASSWORD, detail:password does not match]']);
  });
});

describe('TypedEmitter.emit', () => {
  it('keeps calling listeners after one throws and reports the error', () => {
    const reported: unknown[] = [];
    const events = new TypedEmitter<RelayEvents>((e) => reported.push(e));
    const seen: number[] = [];
    events.on('voice-ready', () => {
      throw new Error('boom');
    });
    events.on('voice-ready', (e) => seen.push(e.sessionId));
    events.emit('voice-ready', { sessionId: 4 });
    expect(seen).toEqual([4]);
    expect(reported).toHaveLength(1);
  });
});
