/**
 * The operations endpoints in front of the static client: `GET /healthz`,
 * `GET /readyz` (JSON, 200 or 503) and `GET /metrics` (Prometheus text, for
 * allowed scrapers only). Every other request goes to `next`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BACKUP_PATH, serveBackup } from './backup-endpoint.ts';
import type { RelayMetrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';
import { authorizeScrape } from './scrape-access.ts';

/** Paths this handler owns. */
export const OPS_PATHS = Object.freeze({ health: '/healthz', ready: '/readyz', metrics: '/metrics' });

/** What the routes need from the relay. */
export interface OpsRouteDeps {
  readonly readiness: () => Readiness;
  readonly metrics: RelayMetrics;
  /** Bearer token for `/metrics`; undefined: loopback only. */
  readonly metricsToken: string | undefined;
  readonly trustProxy: boolean;
  /** Seconds since start, for the health body. */
  readonly uptimeSeconds: () => number;
  /** Online backups (backup-endpoint.ts): the admin token and the snapshot source. */
  readonly backup?: { readonly token: string; readonly entries: () => AsyncIterable<readonly [Uint8Array, Uint8Array]> };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Wraps `next` with the operations endpoints. */
export function createOpsHandler(deps: OpsRouteDeps, next: Handler): Handler {
  return (req, res) => {
    const path = (req.url ?? '/').split(/[?#]/, 1)[0];
    if (path === BACKUP_PATH && deps.backup && req.method === 'GET') {
      serveBackup(req, res, deps.backup.token, deps.backup.entries);
      return;
    }
    const known = path === OPS_PATHS.health || path === OPS_PATHS.ready || path === OPS_PATHS.metrics;
    if (!known) {
      next(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (path === OPS_PATHS.health) {
      json(res, 200, { ok: true, uptimeSeconds: Math.round(deps.uptimeSeconds()) });
      return;
    }
    if (path === OPS_PATHS.ready) {
      const ready = deps.readiness();
      json(res, ready.ok ? 200 : 503, ready);
      return;
    }
    const verdict = authorizeScrape(req, { token: deps.metricsToken, trustProxy: deps.trustProxy });
    if (!verdict.ok) {
      res.writeHead(verdict.status, {
        'content-type': 'text/plain; charset=utf-8',
        ...(verdict.status === 401 ? { 'www-authenticate': 'Bearer realm="parley-metrics"' } : {}),
      });
      res.end(`${verdict.reason}\n`);
      return;
    }
    deps.metrics.scrape().then(
      (text) => {
        res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('metrics failed\n');
      },
    );
  };
}
