/**
 * Short-lived TURN credentials in the "TURN REST API" form coturn checks with
 * `use-auth-secret`: the relay and coturn share `static-auth-secret`, so the
 * relay can mint credentials that expire without coturn knowing any user.
 */
import { createHmac } from 'node:crypto';

/** What the relay needs to mint credentials (both settings set). */
export interface TurnSettings {
  /** turn:/turns: URLs of the admin's coturn. */
  readonly urls: readonly string[];
  /** coturn's static-auth-secret; never logged, never sent. */
  readonly secret: string;
  /** Seconds a credential is valid. */
  readonly ttlSeconds: number;
}

/** One client's credentials, shaped like proto TurnCredentials. */
export interface TurnGrant {
  readonly urls: string[];
  readonly username: string;
  readonly credential: string;
  readonly expiresAt: number;
}

/** Mints credentials for `publicKeyHex` valid `ttlSeconds` from `nowMs`: username "<expiry>:<key>", credential base64(HMAC-SHA1(secret, username)). */
export function turnCredentials(settings: TurnSettings, publicKeyHex: string, nowMs: number): TurnGrant {
  const expiresAt = Math.floor(nowMs / 1000) + settings.ttlSeconds;
  const username = `${expiresAt}:${publicKeyHex}`;
  const credential = createHmac('sha1', settings.secret).update(username).digest('base64');
  return { urls: [...settings.urls], username, credential, expiresAt };
}

/** Milliseconds between refreshes: half the lifetime, so a client always holds credentials valid for at least ttl/2. */
export function turnRefreshMs(settings: TurnSettings): number {
  return Math.max(1, Math.floor(settings.ttlSeconds / 2)) * 1000;
}
