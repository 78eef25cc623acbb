/**
 * HTTPS and WSS on the relay's port, on a real relay: self-signed (kept
 * across restarts), the relay's own name-constrained CA (renewal from the
 * injected clock), and provided files swapped while clients stay connected.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSelfSigned, signServerCert, splitNames } from '../../../relay/tls/certs.ts';
import { perTest, } from '../../helpers/relay-fixture.ts';
import { probeTls } from '../../helpers/tls-probe.ts';

const t = perTest();
const HOSTS = ['localhost', '127.0.0.1'];

function fakeClock(start: number): { now(): number; advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-tls-'));
  t.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('--tls self-signed', () => {
  it('serves an ECDSA P-256 certificate over HTTPS and WSS and keeps it across restarts', async () => {
    const dataDir = await tempDir();
    const first = await t.relay({ dataDir, tls: { mode: 'self-signed', publicHosts: HOSTS } });
    expect(first.relay.url).toMatch(/^https:\/\//);
    expect(first.relay.wsUrl).toMatch(/^wss:\/\//);
    const status = first.relay.tlsStatus()!;
    expect(status.ok).toBe(true);
    const stored = await readFile(join(dataDir, 'tls', 'self-signed.crt'), 'utf8');
    const cert = new X509Certificate(stored);
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    expect((await probeTls(first.relay.port, { ca: stored })).authorized).toBe(true);
    const client = await t.client(first, { name: 'ann', ca: stored });
    await client.ping();
    await client.close();
    await first.stop();

    const second = await t.relay({ dataDir, tls: { mode: 'self-signed', publicHosts: HOSTS } });
    expect(second.relay.tlsStatus()!.fingerprint256).toBe(status.fingerprint256);
    expect((await probeTls(second.relay.port)).fingerprint256).toBe(status.fingerprint256);
  });
});

describe('--tls ca', () => {
  it('signs its server certificate with a CA whose name constraints refuse any other site', async () => {
    const dataDir = await tempDir();
    const started = await t.relay({ dataDir, tls: { mode: 'ca', publicHosts: HOSTS } });
    const caPem = await (await fetchInsecure(`${started.relay.url}ca.crt`)).text();
    expect(new X509Certificate(caPem).ca).toBe(true);
    expect(started.relay.tlsStatus()!.caFingerprint256).toBe(new X509Certificate(caPem).fingerprint256);
    expect(await probeTls(started.relay.port, { ca: caPem })).toMatchObject({ authorized: true });
    const page = await (await fetchInsecure(`${started.relay.url}ca`)).text();
    expect(page).toContain('Download the certificate');
    expect(page).toContain(new X509Certificate(caPem).fingerprint256);

    // Someone who took the CA key still cannot vouch for another site with it.
    const caKey = await readFile(join(dataDir, 'tls', 'ca.key'), 'utf8');
    const serve = async (hosts: string[], servername: string): Promise<{ authorized: boolean; error: string | undefined }> => {
      const pair = await signServerCert({ cert: caPem, key: caKey }, splitNames(hosts), Date.now(), 86_400_000);
      const server = createServer({ cert: pair.cert, key: pair.key });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      t.defer(() => new Promise((resolve) => server.close(resolve)));
      return probeTls((server.address() as AddressInfo).port, { ca: caPem, servername });
    };
    // Same CA, same kind of certificate: accepted for a name it was made for, refused for any other
    // (OpenSSL's permitted-subtree violation, which Node reports as UNSPECIFIED).
    expect(await serve(['localhost'], 'localhost')).toMatchObject({ authorized: true });
    const violation = ['UNSPECIFIED', 'PERMITTED_SUBTREE_VIOLATION', 'EXCLUDED_SUBTREE_VIOLATION'];
    for (const refused of [await serve(['bank.example'], 'bank.example'), await serve(['10.1.2.3'], 'localhost')]) {
      expect(refused.authorized).toBe(false);
      expect(violation).toContain(refused.error);
    }
  });

  it('renews the server certificate once a third of its lifetime is left, without dropping a session', async () => {
    // Starts in the past so that the renewed certificate is valid for the real clock of the TLS probe.
    const clock = fakeClock(Date.now() - 2.2 * 86_400_000);
    const started = await t.relay({ clock, tls: { mode: 'ca', publicHosts: HOSTS, leafValidityMs: 3 * 86_400_000 } });
    const caPem = await readFile(join(started.dataDir, 'tls', 'ca.crt'), 'utf8');
    const client = await t.client(started, { name: 'ann', ca: caPem });
    const before = started.relay.tlsStatus()!;
    expect(await started.relay.reloadTls()).toBe(false);
    clock.advance(2.1 * 86_400_000);
    expect(await started.relay.reloadTls()).toBe(true);
    const after = started.relay.tlsStatus()!;
    expect(after.fingerprint256).not.toBe(before.fingerprint256);
    expect(after.notAfter).toBeGreaterThan(before.notAfter);
    expect(await probeTls(started.relay.port, { ca: caPem })).toMatchObject({ fingerprint256: after.fingerprint256, authorized: true });
    await client.ping();
  });
});

describe('--tls-cert / --tls-key', () => {
  it('swaps a changed pair for new connections while two clients stay connected, and refuses a bad pair', async () => {
    const dir = await tempDir();
    const certFile = join(dir, 'relay.crt');
    const keyFile = join(dir, 'relay.key');
    const names = splitNames(HOSTS);
    const one = await createSelfSigned(names, Date.now(), 86_400_000);
    await writeFile(certFile, one.cert);
    await writeFile(keyFile, one.key);
    const started = await t.relay({ tls: { mode: 'files', certFile, keyFile, debounceMs: 50 } });
    const closed: unknown[] = [];
    started.relay.on('connection-closed', (e) => closed.push(e));
    const ann = await t.client(started, { name: 'ann', ca: one.cert });
    const bob = await t.client(started, { name: 'bob', ca: one.cert });
    const oldPrint = new X509Certificate(one.cert).fingerprint256;
    expect((await probeTls(started.relay.port)).fingerprint256).toBe(oldPrint);

    const two = await createSelfSigned(names, Date.now(), 86_400_000);
    await writeFile(keyFile, two.key);
    await writeFile(certFile, two.cert);
    const newPrint = new X509Certificate(two.cert).fingerprint256;
    await expect.poll(async () => (await probeTls(started.relay.port)).fingerprint256, { timeout: 10_000 }).toBe(newPrint);
    await ann.ping();
    await bob.ping();
    const carol = await t.client(started, { name: 'carol', ca: two.cert });
    await carol.ping();

    // A key that does not match the certificate: logged, and the current pair stays.
    const stranger = await createSelfSigned(names, Date.now(), 86_400_000);
    await writeFile(keyFile, stranger.key);
    await expect.poll(() => started.logs.some((l) => l.startsWith('error tls certificate not replaced')), { timeout: 10_000 }).toBe(true);
    expect((await probeTls(started.relay.port)).fingerprint256).toBe(newPrint);
    expect(started.relay.tlsStatus()).toMatchObject({ fingerprint256: newPrint, ok: true });
    expect(started.relay.tlsStatus()!.lastError).toContain('mismatch');
    await ann.ping();
    await bob.ping();
    expect(closed).toEqual([]);
  });

  it('refuses to start with an unusable pair, naming the problem', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'c.pem'), 'not a certificate');
    await writeFile(join(dir, 'k.pem'), 'not a key');
    await expect(t.relay({ tls: { mode: 'files', certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') } })).rejects.toMatchObject({ code: 'bad-pair' });
  });
});

/** fetch for a relay whose CA this process does not trust (the test reads the CA from it). */
async function fetchInsecure(url: string): Promise<{ text(): Promise<string> }> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ text: async () => body }));
    })
      .once('error', reject)
      .end();
  });
}

describe('--acme start-up', () => {
  it('refuses to start when the HTTP-01 port is taken, and releases the data folder', async () => {
    const dataDir = await tempDir();
    const { createServer: createNetServer } = await import('node:net');
    const squatter = createNetServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    t.defer(() => new Promise((resolve) => squatter.close(resolve)));
    const taken = (squatter.address() as AddressInfo).port;
    await expect(
      t.relay({ dataDir, tls: { mode: 'acme', domains: ['relay.example'], email: 'a@relay.example', directoryUrl: 'https://127.0.0.1:1/dir', http01Port: taken } }),
    ).rejects.toMatchObject({ code: 'listen', message: expect.stringContaining('HTTP-01') });
    const again = await t.relay({ dataDir, tls: { mode: 'self-signed', publicHosts: HOSTS } });
    expect(again.relay.tlsStatus()!.ok).toBe(true);
  });
});
