/**
 * Who may read `/metrics`. Metrics tell an outsider how many people are on and
 * when, so the endpoint is closed by default: with no token only loopback
 * clients (the host itself, a local Prometheus or an SSH tunnel) get in; with
 * a token every client must send `Authorization: Bearer <token>`, loopback
 * included. The client address is the one lock-outs use (`remoteAddress`): a
 * trusted reverse proxy's outsiders are outsiders.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { remoteAddress } from '../access/index.ts';

/** The verdict on a scrape request; `status` is the HTTP status to answer a refusal with. */
export type ScrapeVerdict = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

/** True for 127.0.0.0/8 and ::1 (after `::ffff:` mapping was undone). */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when `header` is `Bearer <token>`. Compared in constant time over
 * SHA-256 digests, so neither the content nor the length of the token leaks
 * through timing.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer ([^\s]+)$/i.exec(header?.trim() ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && presented !== '';
}

/** Decides whether `req` may scrape. */
export function authorizeScrape(req: IncomingMessage, options: { readonly token: string | undefined; readonly trustProxy: boolean }): ScrapeVerdict {
  if (options.token !== undefined) {
    return bearerMatches(req.headers.authorization, options.token) ? { ok: true } : { ok: false, status: 401, reason: 'bearer token required' };
  }
  return isLoopback(remoteAddress(req, options.trustProxy)) ? { ok: true } : { ok: false, status: 403, reason: 'metrics are served to loopback clients only' };
}
