/**
 * The relay's one HTTP(S) server: HTTPS when a TLS manager is given (its
 * certificate swapped in for new handshakes, open connections keep theirs),
 * Node's request deadlines tightened, the per-address connection cap, and
 * the edge of the WebSocket upgrade (only `wsPath`, not while closing, never
 * a write to a socket the cap already ended). What an admitted upgrade
 * becomes is the caller's (`onUpgrade`).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { capConnections } from '../access/connection-cap.ts';
import { RelayError } from '../errors.ts';
import type { RelayLimits } from '../options.ts';
import type { TlsManager } from '../tls/index.ts';

/** What {@link createHttpServer} needs. */
export interface HttpServerDeps {
  readonly limits: Pick<RelayLimits, 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'maxConnectionsPerAddress'>;
  readonly trustProxy: boolean;
  /** HTTPS with this manager's certificate; absent: plain HTTP. */
  readonly tls: TlsManager | undefined;
  /** Every plain request (the ops endpoints, then static files). */
  readonly serve: RequestListener;
  readonly wsPath: string;
  /** True once the relay is closing: upgrades are answered 503. */
  readonly closing: () => boolean;
  /** An upgrade on `wsPath` that passed the cap. */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** Builds the server (not yet listening). */
export function createHttpServer(deps: HttpServerDeps): Server | HttpsServer {
  const { limits, tls } = deps;
  const serverOptions = {
    headersTimeout: limits.httpHeadersTimeoutMs,
    requestTimeout: Math.max(limits.httpRequestTimeoutMs, limits.httpHeadersTimeoutMs),
    // Node checks those timeouts only this often (default 30 s), which would stretch a 5 s limit.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.httpHeadersTimeoutMs / 4))),
  };
  const server = tls
    ? createHttpsServer({ ...serverOptions, ...tls.credentials() }, (req, res) => {
        if (!tls.handleRequest(req, res)) deps.serve(req, res);
      })
    : createServer(serverOptions, deps.serve);
  // A swap affects new handshakes only: open connections keep theirs (no session drops).
  tls?.onChange((pair) => (server as HttpsServer).setSecureContext(pair));
  const cap = capConnections(server, limits.maxConnectionsPerAddress, deps.trustProxy);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A connection the per-address cap already answered (and ended) can still deliver the upgrade
    // request it sent first: writing to it again would throw 'write after end' out of the server.
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const path = (req.url ?? '').split('?', 1)[0];
    const closing = deps.closing();
    if (path !== deps.wsPath || closing) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    if (!cap.admitUpgrade(req, socket)) return;
    deps.onUpgrade(req, socket, head);
  });
  // Malformed HTTP must not reach the default handler, which would only log.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A request that did not arrive within limits.httpHeadersTimeoutMs / httpRequestTimeoutMs.
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
    else socket.destroy();
  });
  return server;
}

/** Listens; resolves with the bound port, rejects with `RelayError` (listen). */
export function listen(server: Server | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(RelayError.listen(`cannot listen [host:${host}, port:${port}]`, error));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** The host of the URL the relay prints for a listen address: `localhost` for the wildcards, IPv6 in brackets. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
