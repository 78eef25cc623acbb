/**
 * Errors the relay throws to its own caller (bad options, storage failures,
 * use after close). Errors sent to clients are protocol `error` messages with
 * an `ErrorCode`, never these.
 */

/** Why a relay operation failed. */
export type RelayErrorCode = 'invalid-options' | 'storage' | 'closed' | 'listen' | 'rtc';

/** Error with a machine-readable {@link RelayErrorCode}. Build it through the static factories. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: RelayErrorCode;

  private constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  static invalidOptions(message: string): RelayError {
    return new RelayError('invalid-options', message);
  }

  static storage(message: string, cause?: unknown): RelayError {
    return new RelayError('storage', message, { cause });
  }

  static closed(what: string): RelayError {
    return new RelayError('closed', `${what} is closed`);
  }

  static listen(message: string, cause?: unknown): RelayError {
    return new RelayError('listen', message, { cause });
  }

  static rtc(message: string, cause?: unknown): RelayError {
    return new RelayError('rtc', message, { cause });
  }
}
