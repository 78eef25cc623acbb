/**
 * Concurrent connections per address, capped (`limits.maxConnectionsPerAddress`).
 *
 * The cap is on the TCP peer: that address cannot be forged, and counting
 * it needs no request to be parsed, so a client holding many idle or
 * half-sent connections is refused at accept. Behind a reverse proxy
 * (`trustProxy`) every TCP peer is the proxy, and capping it would cap
 * everyone at once; there the count moves to the WebSocket upgrades of each
 * forwarded client address (the one `remoteAddress` believes), and the proxy
 * is trusted to bound its own client connections.
 *
 * Refusals are clean: `503 Service Unavailable` with `Retry-After`, then the
 * socket is ended.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { normalizeAddress, remoteAddress } from './remote-address.ts';

const REFUSAL = 'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 10\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

/** Open connections per address, each at most `max`. Pure bookkeeping. */
export class AddressCounter {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts one more connection from `address`; false (nothing counted) when it is at the cap. */
  tryAcquire(address: string): boolean {
    const n = this.#open.get(address) ?? 0;
    if (n >= this.#max) return false;
    this.#open.set(address, n + 1);
    return true;
  }

  /** One connection from `address` ended. */
  release(address: string): void {
    const n = (this.#open.get(address) ?? 0) - 1;
    if (n > 0) this.#open.set(address, n);
    else this.#open.delete(address);
  }

  /** Addresses with an open connection (bounded by the connections themselves). */
  get size(): number {
    return this.#open.size;
  }
}

/** What {@link capConnections} gives the upgrade handler. */
export interface ConnectionCap {
  /**
   * For an upgrade request: true to go on; false when the request was refused
   * (its socket answered and ended). Counts only behind a proxy; else the
   * TCP connection was already counted at accept.
   */
  admitUpgrade(req: IncomingMessage, socket: Duplex): boolean;
}

/** Installs the per-address cap on `server` (see the module comment). */
export function capConnections(server: Server, max: number, trustProxy: boolean): ConnectionCap {
  const counter = new AddressCounter(max);
  const refuse = (socket: Duplex): void => {
    if (socket.writable) socket.end(REFUSAL);
    else socket.destroy();
  };
  if (!trustProxy) {
    server.on('connection', (socket: Socket) => {
      const address = normalizeAddress(socket.remoteAddress ?? 'unknown');
      if (!counter.tryAcquire(address)) {
        refuse(socket);
        return;
      }
      socket.once('close', () => counter.release(address));
    });
    return { admitUpgrade: () => true };
  }
  return {
    admitUpgrade(req, socket) {
      const address = remoteAddress(req, true);
      if (!counter.tryAcquire(address)) {
        refuse(socket);
        return false;
      }
      socket.once('close', () => counter.release(address));
      return true;
    },
  };
}
