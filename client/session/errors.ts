/**
 * Typed errors of the client session. The UI maps `code` to plain language
 * (see error-text.ts); it never parses `message`.
 */
import { ErrorCode } from '../../proto/index.ts';

/** Every reason a session can fail or refuse, relay refusals included. */
export type SessionErrorCode =
  | 'relay-unreachable'
  | 'connection-lost'
  | 'protocol-error'
  | 'wrong-password'
  | 'bad-signature'
  | 'protocol-version'
  | 'banned'
  | 'locked-out'
  | 'server-full'
  | 'auth-timeout'
  | 'not-authenticated'
  | 'unknown-room'
  | 'room-full'
  | 'rate-limited'
  | 'bad-request'
  | 'too-large'
  | 'internal'
  | 'voice-failed'
  | 'mic-permission-denied'
  | 'mic-unavailable'
  | 'input-device-failed'
  | 'output-device-unsupported'
  | 'output-device-failed'
  | 'invalid-state';

/** An error with a code, optional end time for temporary refusals, and a cause. */
export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** Unix ms when a ban or lock-out ends; null when not applicable. */
  readonly untilMs: number | null;
  constructor(code: SessionErrorCode, message: string, options: { cause?: unknown; untilMs?: number | null } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SessionError';
    this.code = code;
    this.untilMs = options.untilMs ?? null;
  }
}

const FROM_RELAY: Partial<Record<ErrorCode, SessionErrorCode>> = {
  [ErrorCode.MALFORMED]: 'protocol-error',
  [ErrorCode.UNKNOWN_MESSAGE]: 'protocol-error',
  [ErrorCode.NOT_AUTHENTICATED]: 'not-authenticated',
  [ErrorCode.BAD_SIGNATURE]: 'bad-signature',
  [ErrorCode.WRONG_PASSWORD]: 'wrong-password',
  [ErrorCode.PROTOCOL_VERSION]: 'protocol-version',
  [ErrorCode.TOO_LARGE]: 'too-large',
  [ErrorCode.RATE_LIMITED]: 'rate-limited',
  [ErrorCode.UNKNOWN_ROOM]: 'unknown-room',
  [ErrorCode.ROOM_FULL]: 'room-full',
  [ErrorCode.BAD_REQUEST]: 'bad-request',
  [ErrorCode.ALREADY_AUTHENTICATED]: 'bad-request',
  [ErrorCode.AUTH_TIMEOUT]: 'auth-timeout',
  [ErrorCode.LOCKED_OUT]: 'locked-out',
  [ErrorCode.BANNED]: 'banned',
  [ErrorCode.SERVER_FULL]: 'server-full',
  [ErrorCode.INTERNAL]: 'internal',
};

/** Maps a relay `Error` message onto a SessionError. */
export function sessionErrorFromRelay(code: ErrorCode, message: string, untilMs: bigint): SessionError {
  return new SessionError(FROM_RELAY[code] ?? 'protocol-error', message, { untilMs: untilMs > 0n ? Number(untilMs) : null });
}

/** Refusals after which reconnecting with the same credentials is pointless. */
export function isFatalAuthError(code: SessionErrorCode): boolean {
  return ['wrong-password', 'bad-signature', 'protocol-version', 'banned', 'locked-out', 'bad-request'].includes(code);
}
