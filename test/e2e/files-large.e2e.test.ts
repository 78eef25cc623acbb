/**
 * A large file in real Chromium (issue 16, D118/D119): a 300 MB file on disk
 * (seeded bytes, SHA-256 by node:crypto as the reference) is picked in a
 * page's file input and prepared with the client's own code into OPFS. The
 * manifest's file hash and hash-block hashes equal the reference, a progress
 * event arrives per chunk up to the size, and the renderer's peak resident
 * memory grows by well under the file's size (the file is never read whole).
 * Then Save assembles it from the store and the browser's download equals
 * the file, again without the renderer holding it. The 2 GB run is the
 * benchmark (`npm run bench:files -- --large`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, newProfile } from './browser.ts';
import { openHarness, peakRendererBytes, prepareInPage, referenceHashBlocks, resetPeak, saveInPage, startHarnessServer, writeLargeFile } from './large-file/rig.ts';
import type { HarnessServer } from './large-file/rig.ts';

const SIZE = 300 * 1024 * 1024;
/** Peak renderer growth allowed: half the file. Reading it whole (what prepare did before) needs all of it. */
const MAX_GROWTH = SIZE / 2;
const MB = 1024 * 1024;

async function fileSha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const d of createReadStream(path)) h.update(d as Buffer);
  return h.digest('hex');
}

describe('a 300 MB file in Chromium', () => {
  let dir: string;
  let browser: Browser;
  let server: HarnessServer;
  let path: string;
  let sha: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-files-large-'));
    path = join(dir, 'large.bin');
    sha = await writeLargeFile(path, SIZE, 7);
    server = await startHarnessServer();
    browser = await launchBrowser(undefined, ['--enable-precise-memory-info']);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prepares it chunk by chunk with progress and bounded memory; the manifest equals node:crypto; Save gives the same bytes', { timeout: 600_000 }, async () => {
    const page = await (await newProfile(browser)).newPage();
    await openHarness(page, server, path);

    await resetPeak(browser);
    const before = await peakRendererBytes(browser);
    const report = await prepareInPage(page, `large-${Date.now()}`);
    const prepared = await peakRendererBytes(browser);
    console.log(`[files-large] prepare ${SIZE / MB} MB: ${Math.round(report.ms)} ms, renderer peak +${Math.round((prepared.peak - before.now) / MB)} MB, max JS heap ${Math.round(report.maxJsHeapBytes / MB)} MB`);

    expect(report.fileSha256).toBe(sha);
    expect(report.hashBlockSha256).toEqual(await referenceHashBlocks(path, report.chunkSize));
    expect(report.progressEvents).toBe(Math.ceil(SIZE / report.chunkSize));
    expect(report.lastDoneBytes).toBe(SIZE);
    expect(prepared.peak - before.now).toBeLessThan(MAX_GROWTH);
    expect(report.maxJsHeapBytes).toBeLessThan(64 * MB);

    await resetPeak(browser);
    const beforeSave = await peakRendererBytes(browser);
    const saved = join(dir, 'saved.bin');
    const save = await saveInPage(page, saved);
    const afterSave = await peakRendererBytes(browser);
    console.log(`[files-large] save: assemble ${Math.round(save.assembleMs)} ms, download ${Math.round(save.saveMs)} ms, renderer peak +${Math.round((afterSave.peak - beforeSave.now) / MB)} MB`);
    expect(await fileSha(saved)).toBe(sha);
    expect(afterSave.peak - beforeSave.now).toBeLessThan(MAX_GROWTH);
  });
});
