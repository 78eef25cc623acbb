/**
 * Value kinds of configuration options: how a value is read from text (a
 * flag or an environment variable) and from a config file (TOML or JSON
 * values), how it is written back, and what "allowed" says when it is bad.
 * Pure: every reader returns the value or `undefined`, never throws.
 */

/** A value kind: readers return `undefined` for a bad value. */
export interface OptionKind<T> {
  /** What a good value looks like, for error messages and the README. */
  readonly allowed: string;
  /** A bare flag (`--verbose`) rather than one taking a value. */
  readonly bare?: true;
  /** From a flag or an environment variable. */
  fromText(text: string): T | undefined;
  /** From a parsed config file value (number, boolean or string). */
  fromFile(value: unknown): T | undefined;
  /** As a flag or environment variable would give it. */
  toText(value: T): string;
}

const INTEGER = /^(0|[1-9][0-9]*)$/;

/** Integers in `min..max`; files may give a number or a numeric string. */
export function intKind(min: number, max = Number.MAX_SAFE_INTEGER): OptionKind<number> {
  const ok = (n: number): boolean => Number.isSafeInteger(n) && n >= min && n <= max;
  return {
    allowed: max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in ${min}..${max}`,
    fromText: (text) => (INTEGER.test(text) && ok(Number(text)) ? Number(text) : undefined),
    fromFile: (v) => (typeof v === 'number' || typeof v === 'bigint' ? (ok(Number(v)) ? Number(v) : undefined) : typeof v === 'string' && INTEGER.test(v) && ok(Number(v)) ? Number(v) : undefined),
    toText: (n) => String(n),
  };
}

/** Finite numbers greater than zero. */
export const positiveNumberKind: OptionKind<number> = {
  allowed: 'a number > 0',
  fromText: (text) => {
    const n = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
    return Number.isFinite(n) && n > 0 ? n : undefined;
  },
  fromFile: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : typeof v === 'string' ? positiveNumberKind.fromText(v) : undefined),
  toText: (n) => String(n),
};

/** Non-empty strings without control characters; `pattern` narrows further. */
export function stringKind(allowed = 'a non-empty string', pattern?: RegExp): OptionKind<string> {
  const ok = (s: string): boolean => s !== '' && !/[\p{Cc}]/u.test(s) && (!pattern || pattern.test(s));
  return {
    allowed,
    fromText: (text) => (ok(text) ? text : undefined),
    fromFile: (v) => (typeof v === 'string' && ok(v) ? v : undefined),
    toText: (s) => s,
  };
}

/** One of a fixed set of words. */
export function enumKind<const W extends string>(words: readonly W[]): OptionKind<W> {
  const is = (v: unknown): v is W => typeof v === 'string' && (words as readonly string[]).includes(v);
  return { allowed: `one of ${words.join(', ')}`, fromText: (t) => (is(t) ? t : undefined), fromFile: (v) => (is(v) ? v : undefined), toText: (w) => w };
}

/** true/false; text also takes 1/0, yes/no, on/off (environment habits). */
export const boolKind: OptionKind<boolean> = {
  allowed: 'true or false',
  bare: true,
  fromText: (text) => {
    const t = text.toLowerCase();
    if (t === 'true' || t === '1' || t === 'yes' || t === 'on') return true;
    if (t === 'false' || t === '0' || t === 'no' || t === 'off') return false;
    return undefined;
  },
  fromFile: (v) => (typeof v === 'boolean' ? v : undefined),
  toText: (b) => (b ? 'true' : 'false'),
};

/** `auto` or an integer in `min..max`. */
export function autoOrIntKind(min: number, max: number): OptionKind<'auto' | number> {
  const int = intKind(min, max);
  return {
    allowed: `auto or ${int.allowed}`,
    fromText: (t) => (t === 'auto' ? 'auto' : int.fromText(t)),
    fromFile: (v) => (v === 'auto' ? 'auto' : int.fromFile(v)),
    toText: (v) => String(v),
  };
}
