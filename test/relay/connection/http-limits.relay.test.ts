/**
 * HTTP edge limits on a real relay, with raw sockets: a half-sent request
 * (plain or WebSocket upgrade) is answered 408 and closed after
 * `httpHeadersTimeoutMs`, not Node's 60 s; one TCP peer holds at most
 * `maxConnectionsPerAddress` connections, the next is answered 503 and
 * closed, and a slot frees when one closes. Behind `trustProxy` the TCP peer
 * (the proxy) is not capped; WebSocket connections per forwarded address are.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlSocket } from '../../helpers/control-socket.ts';
import { connectClient, withTimeout } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

interface Raw {
  readonly socket: Socket;
  /** Everything received so far. */
  text(): string;
  /** Resolves with everything received once the relay closed the connection. */
  readonly ended: Promise<string>;
}

async function rawConnect(port: number): Promise<Raw> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => {});
  const ended = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, text: () => text, ended };
}

const UPGRADE_HEAD = 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n';

describe('HTTP limits on a real relay', () => {
  let started: StartedRelay | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await started?.cleanup();
    started = undefined;
  });

  it('answers half-sent requests (plain and upgrade) with 408 and closes them after httpHeadersTimeoutMs', async () => {
    started = await startRelay({ limits: { httpHeadersTimeoutMs: 400, httpRequestTimeoutMs: 800 } });
    const plain = await rawConnect(started.relay.port);
    const upgrade = await rawConnect(started.relay.port);
    const silent = await rawConnect(started.relay.port);
    sockets.push(plain.socket, upgrade.socket, silent.socket);
    plain.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    upgrade.socket.write(UPGRADE_HEAD);
    // The deadline is the assertion: Node's default would hold them for 60 s.
    const [p, u, s] = await withTimeout(Promise.all([plain.ended, upgrade.ended, silent.ended]), 10_000, 'half-sent requests closed');
    expect(p).toMatch(/^HTTP\/1\.1 408 /);
    expect(u).toMatch(/^HTTP\/1\.1 408 /);
    expect(s === '' || /^HTTP\/1\.1 408 /.test(s)).toBe(true);
    // The relay still serves everyone else.
    const client = await connectClient(started.relay.wsUrl, { name: 'After' });
    await client.close();
  });

  it('refuses connection N+1 from one address with 503, and admits again once one closes', async () => {
    const max = 4;
    started = await startRelay({ limits: { maxConnectionsPerAddress: max } });
    const held: Raw[] = [];
    for (let i = 0; i < max; i++) {
      const r = await rawConnect(started.relay.port);
      sockets.push(r.socket);
      held.push(r);
    }
    const extra = await rawConnect(started.relay.port);
    sockets.push(extra.socket);
    expect(await withTimeout(extra.ended, 10_000, 'connection N+1 refused')).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n(.*\r\n)*Retry-After: 10\r\n/);
    // A WebSocket client from that address is refused the same way, before any handshake.
    await expect(ControlSocket.open(started.relay.wsUrl)).rejects.toThrow();
    // The ones held are untouched: a full request on one still gets the static handler's answer
    // (the client is not built in tests: its "not built" page), not the cap's empty 503.
    held[0]!.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    const answer = await withTimeout(held[0]!.ended, 10_000, 'held request answered');
    expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect(answer).not.toContain('Retry-After');
    // held[0] closed: a slot is free again (the relay sees the close after we do, so poll).
    await expect
      .poll(
        async () => {
          try {
            const c = await connectClient(started!.relay.wsUrl, { name: 'Back' });
            await c.close();
            return true;
          } catch {
            return false;
          }
        },
        { timeout: 10_000 },
      )
      .toBe(true);
  });

  it('behind trustProxy caps WebSocket connections per forwarded address, not the proxy itself', async () => {
    started = await startRelay({ trustProxy: true, limits: { maxConnectionsPerAddress: 2 } });
    const wsUrl = started.relay.wsUrl;
    // Three clients behind the proxy (one TCP peer): all admitted.
    const others = await Promise.all(['10.0.0.1', '10.0.0.2', '10.0.0.3'].map((ip, i) => connectClient(wsUrl, { name: `P${i}`, forwardedFor: ip })));
    const same = await Promise.all([0, 1].map((i) => connectClient(wsUrl, { name: `S${i}`, forwardedFor: '10.0.0.9' })));
    await expect(connectClient(wsUrl, { name: 'S2', forwardedFor: '10.0.0.9' })).rejects.toThrow();
    for (const c of [...others, ...same]) await c.close();
  });
});
