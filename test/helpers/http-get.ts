/**
 * A raw HTTP GET against a relay for tests: status, headers and body as text,
 * with optional request headers and a chosen local address to connect from.
 */
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** What {@link httpGet} resolves with. */
export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** GETs `path` from `host:port`; `localAddress` binds the client side (e.g. 127.0.0.2). */
export function httpGet(port: number, path: string, options: { headers?: Record<string, string>; host?: string; localAddress?: string; method?: string } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: options.host ?? '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {}, ...(options.localAddress ? { localAddress: options.localAddress } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
