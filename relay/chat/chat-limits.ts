/** Chat history bounds and the per-user send rate, with their defaults. */
import { RelayError } from '../errors.ts';

/** Tunable chat limits. Every field has a default, see {@link DEFAULT_CHAT_LIMITS}. */
export interface ChatLimits {
  /** Messages kept per conversation; the oldest go first. Default 10 000. */
  readonly maxMessages: number;
  /** Messages older than this are neither served nor kept, ms. Default 90 days. */
  readonly maxAgeMs: number;
  /** Per-user token bucket for posts, edits and deletes: burst. Default 10. */
  readonly burst: number;
  /** Per-user token bucket: refill per second. Default 2. */
  readonly perSecond: number;
  /** History page when the request says 0. Default 50. */
  readonly defaultPage: number;
  /** Largest history page served. Default 100. */
  readonly maxPage: number;
}

/** Defaults for {@link ChatLimits}. */
export const DEFAULT_CHAT_LIMITS: ChatLimits = Object.freeze({
  maxMessages: 10_000,
  maxAgeMs: 90 * 24 * 60 * 60 * 1000,
  burst: 10,
  perSecond: 2,
  defaultPage: 50,
  maxPage: 100,
});

/** Applies defaults; throws `RelayError('invalid-options')` on values that cannot work. */
export function resolveChatLimits(partial: Partial<ChatLimits> | undefined): ChatLimits {
  const limits: ChatLimits = { ...DEFAULT_CHAT_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw RelayError.invalidOptions(`chat limit must be a finite number >= 0 [limit:${name}]`);
    }
  }
  if (limits.maxMessages < 1 || limits.maxPage < 1 || limits.defaultPage < 1) {
    throw RelayError.invalidOptions('chat maxMessages, maxPage and defaultPage must be >= 1');
  }
  return limits;
}
