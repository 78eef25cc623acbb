/**
 * A TCP proxy on a loopback port in front of one real server (here: a
 * relay's link to nats-server), whose faults a test sets: `delay(ms)` holds
 * every chunk that long, in both directions, in order; `partition()` stops
 * forwarding (a black hole: bytes are held, the sockets stay open, as on a
 * real network split); `heal('flush')` sends what was held (late packets
 * arriving after the split), `heal('cut')` drops every connection instead
 * (the client reconnects); `cut()` drops every connection once;
 * `holdDown()` holds only what the server sends (a one-way stall: the
 * client's bytes still arrive) until `heal`. It only forwards bytes: the
 * protocol is never looked at.
 */
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

/** One direction of one proxied connection. */
interface Pipe {
  /** `down`: server to client. */
  readonly down: boolean;
  readonly from: Socket;
  readonly to: Socket;
  /** Chunks held (partitioned or delayed), in order. */
  readonly held: Buffer[];
  /** A timer is sending the held chunks. */
  sending: boolean;
}

/** See the module comment. */
export interface FaultProxy {
  /** `nats://127.0.0.1:PORT` of the proxy. */
  readonly url: string;
  /** The proxy's loopback port (for a URL of another scheme). */
  readonly port: number;
  delay(ms: number): void;
  partition(): void;
  holdDown(): void;
  /** Bytes held from the server to the client (by `holdDown` or `partition`). */
  heldDownBytes(): number;
  heal(how: 'flush' | 'cut'): void;
  cut(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let delayMs = 0;
  let partitioned = false;
  let downHeld = false;
  const stopped = (p: Pipe): boolean => partitioned || (p.down && downHeld);
  const sockets = new Set<Socket>();
  const pipes = new Set<Pipe>();

  const drain = (p: Pipe): void => {
    if (p.sending || stopped(p)) return;
    const chunk = p.held[0];
    if (!chunk) return;
    p.sending = true;
    setTimeout(() => {
      p.sending = false;
      if (stopped(p)) return;
      const next = p.held.shift();
      if (next && !p.to.destroyed) p.to.write(next);
      drain(p);
    }, delayMs);
  };

  const pipe = (from: Socket, to: Socket, down: boolean): void => {
    const p: Pipe = { down, from, to, held: [], sending: false };
    pipes.add(p);
    from.on('data', (chunk: Buffer) => {
      if (!stopped(p) && delayMs === 0 && p.held.length === 0) {
        to.write(chunk);
        return;
      }
      p.held.push(chunk);
      drain(p);
    });
    from.on('close', () => pipes.delete(p));
  };

  const server: Server = createServer((client) => {
    // During a split a new connection opens but carries nothing (held until healed or cut).
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    pipe(client, upstream, false);
    pipe(upstream, client, true);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const cutAll = (): void => {
    for (const p of pipes) p.held.length = 0;
    for (const s of [...sockets]) s.destroy();
  };

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    delay(ms) {
      delayMs = ms;
    },
    partition() {
      partitioned = true;
    },
    holdDown() {
      downHeld = true;
    },
    heldDownBytes() {
      let n = 0;
      for (const p of pipes) if (p.down) for (const c of p.held) n += c.length;
      return n;
    },
    heal(how) {
      partitioned = false;
      downHeld = false;
      if (how === 'cut') cutAll();
      else for (const p of pipes) drain(p);
    },
    cut: cutAll,
    async close() {
      partitioned = false;
      downHeld = false;
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
