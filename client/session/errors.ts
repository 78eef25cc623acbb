/**
 * Typed errors of the client session. The UI maps `code` (and, for kicks and
 * bans, the admin's `reason`) to plain language (see error-text.ts); it never
 * parses `message`. The relay's wording is read here once, where its Error
 * frame becomes a SessionError.
 */
import { ErrorCode } from '../../proto/index.ts';
import type { PermissionDenialView } from './perms/denial.ts';

/** Every reason a session can fail or refuse, relay refusals included. */
export type SessionErrorCode =
  | 'relay-unreachable'
  | 'connection-lost'
  | 'relay-restarting'
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
  | 'invalid-state'
  | 'invite-expired'
  | 'invite-used-up'
  | 'invite-invalid'
  | 'invite-revoked'
  | 'not-invited'
  | 'kicked'
  | 'forbidden'
  | 'unknown-user'
  | 'relay-key-changed'
  | 'chat-forbidden'
  | 'chat-not-found'
  | 'chat-conflict'
  | 'slow-down'
  | 'too-slow'
  | 'reply-unreadable'
  /** Refused by a room's permissions; `denial` says which permission, where, and the deciding rule. */
  | 'permission-denied'
  /** A room's password was wrong (counted by the relay's lock-out). */
  | 'room-password-wrong'
  | 'room-invite-invalid'
  | 'room-invite-expired'
  | 'room-invite-used-up';

/** An error with a code, optional end time for temporary refusals, the admin's reason, and a cause. */
export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** Unix ms when a ban or lock-out ends; null when not applicable. */
  readonly untilMs: number | null;
  /** The reason an admin gave for a kick or ban (their text, shown as text); null when none. */
  readonly reason: string | null;
  /** For refusals by a room's permissions: the missing permission, the room and the deciding rule. */
  readonly denial: PermissionDenialView | null;
  constructor(code: SessionErrorCode, message: string, options: { cause?: unknown; untilMs?: number | null; reason?: string | null; denial?: PermissionDenialView | null } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SessionError';
    this.code = code;
    this.untilMs = options.untilMs ?? null;
    this.reason = options.reason ?? null;
    this.denial = options.denial ?? null;
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
  [ErrorCode.INVITE_EXPIRED]: 'invite-expired',
  [ErrorCode.INVITE_USED_UP]: 'invite-used-up',
  [ErrorCode.INVITE_INVALID]: 'invite-invalid',
  [ErrorCode.INVITE_REVOKED]: 'invite-revoked',
  [ErrorCode.NOT_INVITED]: 'not-invited',
  [ErrorCode.KICKED]: 'kicked',
  [ErrorCode.FORBIDDEN]: 'forbidden',
  [ErrorCode.UNKNOWN_USER]: 'unknown-user',
  [ErrorCode.CHAT_FORBIDDEN]: 'chat-forbidden',
  [ErrorCode.CHAT_NOT_FOUND]: 'chat-not-found',
  [ErrorCode.CHAT_ID_CONFLICT]: 'chat-conflict',
  [ErrorCode.SLOW_DOWN]: 'slow-down',
  [ErrorCode.PERMISSION_DENIED]: 'permission-denied',
  [ErrorCode.PASSWORD_WRONG]: 'room-password-wrong',
  [ErrorCode.ROOM_INVITE_INVALID]: 'room-invite-invalid',
  [ErrorCode.ROOM_INVITE_EXPIRED]: 'room-invite-expired',
  [ErrorCode.ROOM_INVITE_USED_UP]: 'room-invite-used-up',
};

/**
 * The admin's reason in a kick or ban message: the relay words them `kicked: <reason>` and
 * `banned: <reason>` (docs/PROTOCOL.md, error codes); null for other codes or no reason.
 */
function adminReason(code: SessionErrorCode, message: string): string | null {
  if (code !== 'kicked' && code !== 'banned') return null;
  const prefix = `${code}: `;
  return message.startsWith(prefix) && message.length > prefix.length ? message.slice(prefix.length) : null;
}

/**
 * Maps a relay `Error` message onto a SessionError. A refusal that names its
 * deciding rule (`denial`) is a permission refusal whatever its code (chat and
 * op refusals keep their own codes on the wire and gain the detail).
 */
export function sessionErrorFromRelay(code: ErrorCode, message: string, untilMs: bigint, denial: PermissionDenialView | null = null): SessionError {
  const ours = denial ? 'permission-denied' : (FROM_RELAY[code] ?? 'protocol-error');
  return new SessionError(ours, message, { untilMs: untilMs > 0n ? Number(untilMs) : null, reason: adminReason(ours, message), denial });
}

const FATAL: ReadonlySet<SessionErrorCode> = new Set<SessionErrorCode>([
  'wrong-password',
  'bad-signature',
  'protocol-version',
  'banned',
  'locked-out',
  'bad-request',
  'invite-expired',
  'invite-used-up',
  'invite-invalid',
  'invite-revoked',
  'not-invited',
  'kicked',
  'relay-key-changed',
]);

/** Refusals after which reconnecting with the same credentials is pointless (or, for a kick, unwanted). */
export function isFatalAuthError(code: SessionErrorCode): boolean {
  return FATAL.has(code);
}

/** Refusals caused by the invite the session presented: it is dropped afterwards. */
export function isInviteError(code: SessionErrorCode): boolean {
  return code === 'invite-expired' || code === 'invite-used-up' || code === 'invite-invalid' || code === 'invite-revoked';
}
