import { request } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Raw GET: node:http sends the path as given, so traversal attempts reach the relay unnormalised. */
function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

let staticDir: string;
let site: StartedRelay;
let bare: StartedRelay;

beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'parley-static-'));
  await mkdir(join(staticDir, 'assets'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Parley</title>');
  await writeFile(join(staticDir, 'assets', 'app-1234.js'), 'export const x = 1;');
  await writeFile(join(staticDir, 'assets', 'style.css'), 'body{}');
  await writeFile(join(staticDir, 'assets', 'opus.wasm'), Uint8Array.of(0, 0x61, 0x73, 0x6d));
  await writeFile(join(staticDir, 'icon.svg'), '<svg/>');
  await writeFile(join(staticDir, 'manifest.json'), '{}');
  await writeFile(join(tmpdir(), 'parley-secret.txt'), 'secret');
  site = await startRelay({ staticDir });
  bare = await startRelay({ staticDir: join(staticDir, 'does-not-exist') });
});

afterAll(async () => {
  await Promise.all([site?.cleanup(), bare?.cleanup()]);
  await rm(staticDir, { recursive: true, force: true });
  await rm(join(tmpdir(), 'parley-secret.txt'), { force: true });
});

describe('relay HTTP', () => {
  it('serves index.html at / with no-cache', async () => {
    const r = await get(site.relay.port, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.body).toContain('<title>Parley</title>');
  });

  it.each([
    ['/assets/app-1234.js', 'text/javascript; charset=utf-8'],
    ['/assets/style.css', 'text/css; charset=utf-8'],
    ['/assets/opus.wasm', 'application/wasm'],
    ['/icon.svg', 'image/svg+xml'],
    ['/manifest.json', 'application/json'],
  ])('serves %s as %s', async (path, type) => {
    const r = await get(site.relay.port, path);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(type);
  });

  it('marks hashed assets immutable', async () => {
    const r = await get(site.relay.port, '/assets/app-1234.js');
    expect(r.headers['cache-control']).toContain('immutable');
  });

  it('falls back to index.html for an unknown path without an extension', async () => {
    const r = await get(site.relay.port, '/rooms/lobby?x=1');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Parley</title>');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('answers 404 for a missing file with an extension', async () => {
    expect((await get(site.relay.port, '/assets/missing.js')).status).toBe(404);
  });

  it.each(['/../parley-secret.txt', '/assets/../../parley-secret.txt', '/%2e%2e/parley-secret.txt', '/..%2fparley-secret.txt', '/a\\..\\b', '/%00'])(
    'refuses the traversal attempt %s with 400',
    async (path) => {
      const r = await get(site.relay.port, path);
      expect(r.status).toBe(400);
      expect(r.body).not.toContain('secret');
    },
  );

  it('refuses methods other than GET and HEAD with 405', async () => {
    expect((await get(site.relay.port, '/', 'POST')).status).toBe(405);
    const head = await get(site.relay.port, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('serves a "not built" page when the client build is missing', async () => {
    const r = await get(bare.relay.port, '/');
    expect(r.status).toBe(503);
    expect(r.body).toContain('npm run build');
  });

  it('accepts WebSocket upgrades only at /ws', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${site.relay.port}/other`);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(status).toBe(404);
  });
});
