/**
 * Typed decode failures for everything that parses bytes from the wire.
 * Parsers never throw on bad input: they return `{ ok: false, error }`.
 */
export type DecodeErrorCode =
  | 'too-large'
  | 'empty'
  | 'malformed'
  | 'unknown-message'
  | 'unknown-kind'
  | 'bad-length'
  | 'bad-value';

/** A decode failure with a code a log line or UI can show. */
export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly detail: string;
}

/** Result of a parser at a trust boundary. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

/** Builds a failed {@link Decoded}. */
export function decodeFailure<T>(code: DecodeErrorCode, detail: string): Decoded<T> {
  return { ok: false, error: { code, detail } };
}
