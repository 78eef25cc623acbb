/**
 * Trust boundaries of the TLS layer: the HTTP-01 port (anyone on the
 * internet can send it anything) and the TLS flags.
 */
import { request } from 'node:http';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengeAnswers, http01Handler, startHttp01Server } from '../../../relay/tls/http01.ts';
import { tlsFromFlags } from '../../../relay/tls/cli.ts';

function raw(port: number, path: string, host: string | undefined): Promise<{ status: number; body: string; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', setHost: false, headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
    });
    req.once('error', reject);
    req.end();
  });
}

describe('HTTP-01 port', () => {
  const answers = new ChallengeAnswers();
  let server: Server;
  let port: number;
  beforeAll(async () => {
    answers.set('tok-EN_1', 'tok-EN_1.thumb');
    ({ server, port } = await startHttp01Server('127.0.0.1', 0, http01Handler(answers, () => 8443)));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers a known token, 404s unknown ones, and redirects the rest to HTTPS on the relay port', async () => {
    expect(await raw(port, '/.well-known/acme-challenge/tok-EN_1', 'relay.example')).toMatchObject({ status: 200, body: 'tok-EN_1.thumb' });
    expect((await raw(port, '/.well-known/acme-challenge/other', 'relay.example')).status).toBe(404);
    expect(await raw(port, '/room?x=1', 'relay.example:80')).toMatchObject({ status: 301, location: 'https://relay.example:8443/room?x=1' });
    expect((await raw(port, '/', 'evil.example/"><script>')).status).toBe(400);
  });

  it('never answers garbage paths or hosts with anything but 200 for the token, 301 to a clean https URL, 400 or 404 (seeded)', async () => {
    const seed = Date.now() % 1_000_000;
    console.log(`http01 property seed ${seed}`);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.option(fc.string({ maxLength: 40 }), { nil: undefined }), async (tail, host) => {
        const path = `/${encodeURI(tail)}`;
        let res: Awaited<ReturnType<typeof raw>>;
        try {
          res = await raw(port, path, host);
        } catch {
          return; // Node's client refused to send it (invalid header characters): nothing reached the server.
        }
        expect([200, 301, 400, 404]).toContain(res.status);
        if (res.status === 200) expect(res.body).toBe('tok-EN_1.thumb');
        if (res.status === 301) expect(res.location).toMatch(/^https:\/\/[A-Za-z0-9.\-[\]:]+:8443\//);
      }),
      { seed, numRuns: 150 },
    );
    // Still serving.
    expect((await raw(port, '/.well-known/acme-challenge/tok-EN_1', 'a.example')).status).toBe(200);
  });
});

describe('TLS flags', () => {
  const none = (): undefined => undefined;
  it('parses each mode and names the flag at fault', () => {
    expect(tlsFromFlags({ tls: 'ca', 'public-host': ['parley.lan', '10.0.0.2'] }, none)).toEqual({ tls: { mode: 'ca', publicHosts: ['parley.lan', '10.0.0.2'] } });
    expect(tlsFromFlags({ 'tls-cert': 'c.pem', 'tls-key': 'k.pem' }, none)).toEqual({ tls: { mode: 'files', certFile: 'c.pem', keyFile: 'k.pem' } });
    expect(tlsFromFlags({ acme: ['a.example'], 'acme-email': 'x@a.example', 'acme-staging': true }, none)).toEqual({
      tls: { mode: 'acme', domains: ['a.example'], email: 'x@a.example', http01Port: 80, staging: true },
    });
    expect(tlsFromFlags({}, (n) => ({ PARLEY_TLS: 'self-signed', PARLEY_PUBLIC_HOSTS: 'a.lan, b.lan' })[n])).toEqual({ tls: { mode: 'self-signed', publicHosts: ['a.lan', 'b.lan'] } });
    expect(tlsFromFlags({}, none)).toEqual({ tls: undefined });
    expect(tlsFromFlags({ tls: 'rsa' }, none)).toEqual({ error: 'invalid --tls [value:rsa, allowed:self-signed|ca]' });
    expect(tlsFromFlags({ 'tls-cert': 'c.pem' }, none)).toEqual({ error: '--tls-cert and --tls-key go together' });
    expect(tlsFromFlags({ tls: 'ca', acme: ['a.example'] }, none)).toMatchObject({ error: expect.stringContaining('choose one') });
    expect(tlsFromFlags({ acme: ['a.example'] }, none)).toMatchObject({ error: expect.stringContaining('--acme-email') });
    expect(tlsFromFlags({ acme: ['a.example'], 'acme-email': 'x@a', 'acme-http-port': '99999' }, none)).toEqual({ error: 'invalid --acme-http-port [value:99999]' });
  });

  it('never throws on arbitrary flag values (seeded)', () => {
    const seed = Date.now() % 1_000_000;
    console.log(`tls flags property seed ${seed}`);
    const text = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });
    fc.assert(
      fc.property(text, text, text, text, text, (tls, cert, key, email, port) => {
        const out = tlsFromFlags(
          { ...(tls !== undefined ? { tls } : {}), ...(cert !== undefined ? { 'tls-cert': cert } : {}), ...(key !== undefined ? { 'tls-key': key } : {}), ...(email !== undefined ? { acme: ['d.example'], 'acme-email': email } : {}), ...(port !== undefined ? { 'acme-http-port': port } : {}) },
          () => undefined,
        );
        expect('error' in out || 'tls' in out).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });
});
