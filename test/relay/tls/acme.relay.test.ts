/**
 * ACME end to end against Debian's pebble: the relay answers pebble's real
 * HTTP-01 check on its own port, serves the issued certificate, renews it
 * when the injected clock says a third of its life is left (pebble issues
 * 5-year certificates) while a client stays connected, and keeps its
 * certificate when the CA refuses an order.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { perTest } from '../../helpers/relay-fixture.ts';
import { startPebble } from '../../helpers/pebble.ts';
import { freePort } from '../../helpers/free-port.ts';
import { probeTls } from '../../helpers/tls-probe.ts';
import { connectClient } from '../../helpers/relay-client.ts';

const t = perTest();
const YEAR = 365 * 86_400_000;

function get(url: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    })
      .once('error', reject)
      .end();
  });
}

describe('--acme against pebble', () => {
  it('issues through HTTP-01, serves, renews without a drop, and keeps its certificate when the CA refuses', { timeout: 30_000 }, async () => {
    const http01Port = await freePort();
    const pebble = await startPebble({ httpPort: http01Port, alwaysValid: false });
    t.defer(() => pebble.stop());
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const started = await t.relay({
      clock,
      tls: { mode: 'acme', domains: ['localhost'], email: 'admin@example.org', directoryUrl: pebble.directoryUrl, directoryCa: pebble.listenerCa, http01Port },
    });
    // Until the first order succeeds the relay serves a stand-in and says it is not ready.
    await expect.poll(() => started.relay.tlsStatus()!.ok, { timeout: 15_000 }).toBe(true);
    const issued = started.relay.tlsStatus()!;
    expect(issued.issuer).toContain('Pebble Intermediate CA');
    expect(pebble.output()).toContain(`Attempting to validate w/ HTTP: http://localhost:${http01Port}/.well-known/acme-challenge/`);
    const root = await pebble.root();
    expect(await probeTls(started.relay.port, { ca: root })).toEqual({ fingerprint256: issued.fingerprint256, authorized: true, error: undefined });
    // The certificate is for the name, not the address.
    const client = await connectClient(started.relay.wsUrl.replace('127.0.0.1', 'localhost'), { name: 'ann', ca: root });
    t.defer(() => client.close());

    // Port 80's other job: everything else is redirected to HTTPS.
    const redirect = await get(`http://localhost:${http01Port}/some/page?x=1`);
    expect(redirect).toMatchObject({ status: 301, location: `https://localhost:${started.relay.port}/some/page?x=1` });
    expect((await get(`http://localhost:${http01Port}/.well-known/acme-challenge/unknown`)).status).toBe(404);

    // Four years on, less than a third of the five-year lifetime is left.
    offset = 4 * YEAR;
    expect(await started.relay.reloadTls()).toBe(true);
    offset = 0;
    const renewed = started.relay.tlsStatus()!;
    expect(renewed.fingerprint256).not.toBe(issued.fingerprint256);
    expect(await probeTls(started.relay.port, { ca: root })).toMatchObject({ fingerprint256: renewed.fingerprint256, authorized: true });
    await client.ping();
    expect(started.logs.filter((l) => l.startsWith('info tls certificate replaced'))).toHaveLength(2);

    // A CA that refuses: a fresh pebble whose HTTP-01 check goes to a port nobody answers.
    await pebble.stop();
    const refusing = await startPebble({ httpPort: await freePort(), alwaysValid: false, listenPort: Number(new URL(pebble.directoryUrl).port), listener: pebble.listener });
    t.defer(() => refusing.stop());
    offset = 4 * YEAR;
    expect(await started.relay.reloadTls()).toBe(false);
    offset = 0;
    const kept = started.relay.tlsStatus()!;
    expect(kept.fingerprint256).toBe(renewed.fingerprint256);
    expect(kept.ok).toBe(true);
    // The CA's own reason: its HTTP-01 check found nobody answering.
    expect(kept.lastError).toMatch(/ACME order failed .*acme-challenge.*connection refused/);
    expect(started.logs.some((l) => l.startsWith('error tls certificate not replaced, keeping the current one [mode:acme'))).toBe(true);
    expect((await probeTls(started.relay.port)).fingerprint256).toBe(renewed.fingerprint256);
    await client.ping();
  });
});
