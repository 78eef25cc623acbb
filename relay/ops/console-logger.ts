/**
 * The CLI's loggers: `text` writes `time level line`; `json` writes one JSON
 * object per line (`time`, `level`, `msg`, `fields`) for log shippers. Relay
 * log lines have the shape `what [key:value, ...]`; the JSON form splits them
 * at that shape and keeps the whole line as `msg` when it does not fit. Lines
 * never carry secrets (log.ts writes none), so neither form has any.
 */
import type { Logger } from '../options.ts';

/** Log level of a line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One structured log record. */
export interface LogRecord {
  readonly time: string;
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Splits `what [a:1, b:two]` into the message and its fields. */
export function toLogRecord(time: string, level: LogLevel, line: string): LogRecord {
  const m = /^([^[]*?) \[(.*)\]$/s.exec(line);
  if (!m) return { time, level, msg: line, fields: {} };
  const fields: Record<string, string> = {};
  // A field starts after ", " where a `key:` follows; values may hold commas themselves.
  for (const part of m[2]!.split(/, (?=[a-z][\w-]*:)/)) {
    const colon = part.indexOf(':');
    if (colon <= 0) return { time, level, msg: line, fields: {} };
    fields[part.slice(0, colon)] = part.slice(colon + 1);
  }
  return { time, level, msg: m[1]!, fields };
}

/** A logger writing to `out` (info/debug) and `err` (warn/error) in `format`. */
export function createConsoleLogger(options: { format: 'text' | 'json'; verbose: boolean; now?: () => Date; out?: (line: string) => void; err?: (line: string) => void }): Logger {
  const now = options.now ?? (() => new Date());
  const out = options.out ?? ((l: string) => console.log(l));
  const err = options.err ?? ((l: string) => console.error(l));
  const write = (level: LogLevel, line: string): void => {
    const time = now().toISOString();
    const text = options.format === 'json' ? JSON.stringify(toLogRecord(time, level, line)) : `${time} ${level.padEnd(5)} ${line}`;
    (level === 'warn' || level === 'error' ? err : out)(text);
  };
  return {
    debug: (line) => {
      if (options.verbose) write('debug', line);
    },
    info: (line) => write('info', line),
    warn: (line) => write('warn', line),
    error: (line) => write('error', line),
  };
}
