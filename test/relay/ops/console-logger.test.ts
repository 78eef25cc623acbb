import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConsoleLogger, toLogRecord } from '../../../relay/ops/console-logger.ts';

describe('toLogRecord()', () => {
  it('splits `what [key:value, ...]` into msg and fields, values with commas included', () => {
    expect(toLogRecord('t', 'info', 'session authenticated [conn:1, session:2, name:"A, B", room:lobby]')).toEqual({
      time: 't',
      level: 'info',
      msg: 'session authenticated',
      fields: { conn: '1', session: '2', name: '"A, B"', room: 'lobby' },
    });
  });

  it('keeps any line whole as msg when it has no field list, and always yields JSON that parses back (property)', () => {
    fc.assert(
      fc.property(fc.string(), (line) => {
        const record = toLogRecord('t', 'warn', line);
        expect(JSON.parse(JSON.stringify(record))).toEqual(record);
        if (!line.endsWith(']')) expect(record).toEqual({ time: 't', level: 'warn', msg: line, fields: {} });
      }),
    );
  });
});

describe('createConsoleLogger()', () => {
  it('json: one object per line to out (info) and err (warn), debug only when verbose', () => {
    const out: string[] = [];
    const err: string[] = [];
    const logger = createConsoleLogger({ format: 'json', verbose: false, now: () => new Date(0), out: (l) => out.push(l), err: (l) => err.push(l) });
    logger.debug('hidden');
    logger.info('relay listening [port:80]');
    logger.warn('auth refused [conn:3, code:BAD_PASSWORD]');
    expect(out.map((l) => JSON.parse(l))).toEqual([{ time: '1970-01-01T00:00:00.000Z', level: 'info', msg: 'relay listening', fields: { port: '80' } }]);
    expect(JSON.parse(err[0]!)).toMatchObject({ level: 'warn', msg: 'auth refused', fields: { conn: '3', code: 'BAD_PASSWORD' } });
  });
});
