/**
 * The plain-HTTP side of ACME: answers HTTP-01 challenges under
 * `/.well-known/acme-challenge/` and sends every other request to the same
 * path over HTTPS (port 80's usual job next to an HTTPS site).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/.well-known/acme-challenge/';
/** ACME tokens are base64url; anything else is not one of ours. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/** Pending HTTP-01 answers, token → key authorisation. */
export class ChallengeAnswers {
  readonly #answers = new Map<string, string>();
  set(token: string, keyAuthorization: string): void {
    this.#answers.set(token, keyAuthorization);
  }
  delete(token: string): void {
    this.#answers.delete(token);
  }
  get(token: string): string | undefined {
    return this.#answers.get(token);
  }
}

/** Request handler: challenge answers, else a 301 to `https://<host>:<httpsPort()><path>`. */
export function http01Handler(answers: ChallengeAnswers, httpsPort: () => number): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith(PREFIX)) {
      const token = url.slice(PREFIX.length).split(/[?#]/, 1)[0]!;
      const answer = TOKEN.test(token) ? answers.get(token) : undefined;
      if (answer === undefined) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such challenge\n');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(answer) }).end(answer);
      return;
    }
    // Host header without its port; a bad header gets no redirect.
    const host = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::\d+)?$/.exec(req.headers.host ?? '')?.[1];
    if (!host || !url.startsWith('/')) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request\n');
      return;
    }
    const port = httpsPort();
    res.writeHead(301, { Location: `https://${host}${port === 443 ? '' : `:${port}`}${url}` }).end();
  };
}

/** Starts the HTTP-01 server on `host:port` (port 0 picks one). */
export function startHttp01Server(host: string, port: number, handler: ReturnType<typeof http01Handler>): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  server.on('clientError', (_e, socket) => socket.destroy());
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
