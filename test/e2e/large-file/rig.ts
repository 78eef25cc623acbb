/**
 * The large-file rig (issue 16, D118/D119): a loopback HTTP server that
 * serves one page with a file input and the client's file code (bundled from
 * harness-page.ts with esbuild), a Chromium page on it, the renderer's peak
 * resident memory (from /proc, reset before each measured step), and a
 * large test file written to disk in slices with its SHA-256 (node:crypto,
 * the reference). Used by files-large.e2e.test.ts and `npm run bench:files -- --large`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import type { PrepareReport } from './harness-page.ts';

export type { PrepareReport } from './harness-page.ts';

const PAGE = '<!doctype html><meta charset="utf-8"><title>large files</title><input id="file" type="file" aria-label="File"><script src="/harness.js"></script>';

/** A loopback origin serving the harness page. */
export interface HarnessServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Bundles the harness page and serves it on 127.0.0.1 (port 0). */
export async function startHarnessServer(): Promise<HarnessServer> {
  const bundle = await build({ entryPoints: [fileURLToPath(new URL('./harness-page.ts', import.meta.url))], bundle: true, write: false, format: 'iife', target: 'es2022', platform: 'browser' });
  const js = bundle.outputFiles[0]!.text;
  const server: Server = createServer((req, res) => {
    if (req.url === '/harness.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Writes `size` bytes of seeded pseudo-random data to `path` in 1 MiB slices (never all in memory); returns its SHA-256 hex. */
export async function writeLargeFile(path: string, size: number, seed = 1): Promise<string> {
  const slice = 1024 * 1024;
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  let x = seed >>> 0 || 1;
  const block = new Uint8Array(slice);
  for (let at = 0; at < size; at += slice) {
    const n = Math.min(slice, size - at);
    // xorshift32: every MiB differs, so chunk hashes differ too.
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      block[i] = x;
      block[i + 1] = x >>> 8;
      block[i + 2] = x >>> 16;
      block[i + 3] = x >>> 24;
    }
    const part = Buffer.from(block.subarray(0, n));
    hash.update(part);
    if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return hash.digest('hex');
}

/** SHA-256 of each `chunkSize` chunk of the file at `path`, and of each block of 1024 chunk hashes (what the manifest signs), hex. */
export async function referenceHashBlocks(path: string, chunkSize: number): Promise<string[]> {
  const { createReadStream } = await import('node:fs');
  const blocks: string[] = [];
  let block = createHash('sha256');
  let inBlock = 0;
  let pending: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  const flushChunk = (c: Buffer): void => {
    block.update(createHash('sha256').update(c).digest());
    if (++inBlock === 1024) {
      blocks.push(block.digest('hex'));
      block = createHash('sha256');
      inBlock = 0;
    }
  };
  for await (const data of createReadStream(path, { highWaterMark: chunkSize })) {
    pending = pending.length ? Buffer.concat([pending, data as Buffer]) : (data as Buffer);
    while (pending.length >= chunkSize) {
      flushChunk(pending.subarray(0, chunkSize));
      pending = pending.subarray(chunkSize);
    }
  }
  if (pending.length) flushChunk(pending);
  if (inBlock) blocks.push(block.digest('hex'));
  return blocks;
}

/** Ids of the browser's renderer processes (DevTools SystemInfo). */
export async function rendererPids(browser: Browser): Promise<number[]> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  } finally {
    await cdp.detach();
  }
}

async function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) * 1024;
}

/**
 * Where renderer processes are found: a launched browser (DevTools), or a
 * function listing their pids (browsers started with a profile folder, which
 * Playwright gives no Browser for).
 */
export type Renderers = Browser | (() => readonly number[]);

const pidsOf = async (r: Renderers): Promise<readonly number[]> => (typeof r === 'function' ? r() : rendererPids(r));

/** Peak resident memory since the last {@link resetPeak}, of renderer processes: bytes, the largest. */
export async function peakRendererBytes(renderers: Renderers): Promise<{ peak: number; now: number }> {
  let peak = 0;
  let now = 0;
  for (const pid of await pidsOf(renderers)) {
    peak = Math.max(peak, await procStatus(pid, 'VmHWM'));
    now = Math.max(now, await procStatus(pid, 'VmRSS'));
  }
  return { peak, now };
}

/** Resets the peak resident memory (VmHWM) of every renderer to its current use (Linux: `5` to clear_refs). */
export async function resetPeak(renderers: Renderers): Promise<void> {
  for (const pid of await pidsOf(renderers)) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // the renderer went away meanwhile
    }
  }
}

/** Opens the harness in `page` and picks `path` in its file input. */
export async function openHarness(page: Page, server: HarnessServer, path: string): Promise<void> {
  await page.goto(server.url);
  await page.waitForFunction(() => 'largeFiles' in window);
  await page.locator('#file').setInputFiles(path, { timeout: 120_000 });
}

/** Runs the page's prepare (chunks into OPFS directory `storeName`). */
export function prepareInPage(page: Page, storeName: string): Promise<PrepareReport> {
  return page.evaluate((name) => (window as unknown as { largeFiles: { prepare(n: string): Promise<PrepareReport> } }).largeFiles.prepare(name), storeName);
}

/** Runs the page's Save of the prepared file and resolves with the saved file's path on disk, the assembly time and the JS heap. */
export async function saveInPage(page: Page, savePath: string): Promise<{ assembleMs: number; jsHeapBytes: number; saveMs: number }> {
  const t0 = performance.now();
  const [download, r] = await Promise.all([
    page.waitForEvent('download', { timeout: 600_000 }),
    page.evaluate(() => (window as unknown as { largeFiles: { save(): Promise<{ ms: number; jsHeapBytes: number }> } }).largeFiles.save()),
  ]);
  await download.saveAs(savePath);
  return { assembleMs: r.ms, jsHeapBytes: r.jsHeapBytes, saveMs: performance.now() - t0 };
}
