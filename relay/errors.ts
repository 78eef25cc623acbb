/**
 * Errors the relay throws to its own caller (bad options, storage failures,
 * use after close). Errors sent to clients are protocol `error` messages with
 * an `ErrorCode`, never these.
 */

/** Why a relay operation failed. */
export type RelayErrorCode = 'invalid-options' | 'storage' | 'closed' | 'listen' | 'rtc' | 'voice-worker' | 'cluster';

/** Error with a machine-readable {@link RelayErrorCode}. Build it through the static factories. */
export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly code: RelayErrorCode;
  /** Finer reason within `code`; `'locked'` for a storage error on a data folder another process holds. */
  readonly reason: string;

  private constructor(code: RelayErrorCode, message: string, options?: { cause?: unknown }, reason = '') {
    super(message, options);
    this.code = code;
    this.reason = reason;
  }

  static invalidOptions(message: string, cause?: unknown): RelayError {
    return new RelayError('invalid-options', message, cause === undefined ? undefined : { cause });
  }

  /** NATS could not be reached or set up at start (relay/cluster). */
  static cluster(message: string, cause?: unknown): RelayError {
    return new RelayError('cluster', message, { cause });
  }

  static storage(message: string, cause?: unknown, reason = ''): RelayError {
    return new RelayError('storage', message, { cause }, reason);
  }

  static closed(what: string): RelayError {
    return new RelayError('closed', `${what} is closed`);
  }

  static listen(message: string, cause?: unknown): RelayError {
    return new RelayError('listen', message, { cause });
  }

  static voiceWorker(message: string, cause?: unknown): RelayError {
    return new RelayError('voice-worker', message, { cause });
  }

  static rtc(message: string, cause?: unknown): RelayError {
    return new RelayError('rtc', message, { cause });
  }
}
