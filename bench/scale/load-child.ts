/**
 * One load process of bench:scale: signs in `count` sessions with the real
 * handshake (lean sockets, names at the 32-character maximum, 64 bytes of
 * UTF-8), `concurrency` at a time, reports when all are in, and keeps them
 * open (answering pings) until the parent disconnects.
 */
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';

/** What the parent sends: where to connect and how many. */
export interface LoadOrder {
  readonly wsUrl: string;
  readonly first: number;
  readonly count: number;
  readonly concurrency: number;
}

/** A 32-character name of 64 UTF-8 bytes, unique per `i`. */
export function longName(i: number): string {
  return `${'é'.repeat(26)}${String(i).padStart(6, '0')}`.replace(/\d/g, (d) => 'àáâãäåæçèê'[Number(d)]!);
}

if (process.send) {
  const clients: TestClient[] = [];
  process.once('message', (order: LoadOrder) => {
    void (async () => {
      for (let i = 0; i < order.count; i += order.concurrency) {
        const n = Math.min(order.concurrency, order.count - i);
        clients.push(...(await Promise.all(Array.from({ length: n }, (_, k) => connectClient(order.wsUrl, { name: longName(order.first + i + k), lean: true, timeoutMs: 120_000 })))));
      }
      process.send!({ ready: clients.length });
    })().catch((e: unknown) => process.send!({ error: String(e) }));
  });
  process.on('disconnect', () => {
    for (const c of clients) c.socket.terminate();
    process.exit(0);
  });
}
