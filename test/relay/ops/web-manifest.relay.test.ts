import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { httpGet } from '../../helpers/http-get.ts';
import { perTest } from '../../helpers/relay-fixture.ts';

const publicDir = fileURLToPath(new URL('../../../client/public/', import.meta.url));
const t = perTest();

interface Manifest {
  name: string;
  short_name: string;
  start_url: string;
  display: string;
  icons: Array<{ src: string; sizes: string; type: string }>;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('web app manifest (installable app)', () => {
  it('is linked from index.html and served by the relay as application/manifest+json with PNG icons of 192 and 512 px', async () => {
    const html = await readFile(new URL('../../../client/index.html', import.meta.url), 'utf8');
    expect(html).toContain('<link rel="manifest" href="./manifest.webmanifest" />');
    // What the build puts in dist/client: index.html plus client/public copied as is.
    const staticDir = await mkdtemp(join(tmpdir(), 'parley-public-'));
    t.defer(() => rm(staticDir, { recursive: true, force: true }));
    await cp(publicDir, staticDir, { recursive: true });
    await writeFile(join(staticDir, 'index.html'), html);
    const r = await t.relay({ staticDir });
    const reply = await httpGet(r.relay.port, '/manifest.webmanifest');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/manifest+json');
    const manifest = JSON.parse(reply.body) as Manifest;
    // What Chromium needs to offer Install (besides a secure origin and a service worker).
    expect(manifest.name).toBe('Parley');
    expect(manifest.short_name).toBeTruthy();
    expect(manifest.start_url).toBe('./');
    expect(['standalone', 'fullscreen', 'minimal-ui']).toContain(manifest.display);
    const sizes = new Map<string, [number, number]>();
    for (const icon of manifest.icons) {
      expect(icon.type).toBe('image/png');
      const png = await httpGet(r.relay.port, `/${icon.src}`);
      expect(png.status).toBe(200);
      expect(png.headers['content-type']).toBe('image/png');
      sizes.set(icon.sizes, pngSize(await readFile(new URL(icon.src, `file://${publicDir}`))));
    }
    expect(sizes.get('192x192')).toEqual([192, 192]);
    expect(sizes.get('512x512')).toEqual([512, 512]);
  });
});
