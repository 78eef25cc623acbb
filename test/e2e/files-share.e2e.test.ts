/**
 * Sharing as the user sees it, end to end: a real relay process and two
 * Chromium profiles, files picked through the chat panel's file input.
 * - A file over the user's storage limit is refused before any work, with
 *   the plain-language reason, until dismissed; nothing is posted.
 * - Two files picked at once: the large one shows its preparing progress and
 *   is cancelled half-way (its stored chunks are removed, nothing is posted);
 *   the small one, queued behind it, is then posted.
 * - Offline first: with the relay down, A shares a file; its card waits in
 *   the outbox ("Not shared yet"); the relay comes back, A's session
 *   reconnects by itself, the post goes out, and B downloads it from A with
 *   equal bytes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { chatPanel, fileCard, pageSha, setQuotaMb, transferOf } from './file-pages.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

/** Generous: other test processes may share the two cores. */
const POLL = { timeout: 90_000, interval: 200 };
const MB = 1024 * 1024;

describe('sharing from the chat panel', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let dataDir: string;
  let port: number;
  let a: Page;
  let b: Page;

  const outgoing = (p: Page) => chatPanel(p).locator('parley-file-outgoing');
  const usedBytes = (p: Page) => p.evaluate(() => window.parley!.session.files.state?.use.usedBytes ?? 0);
  const postedNames = (p: Page) => p.evaluate(() => [...(window.parley!.session.files.state?.files.keys() ?? [])].map((hex) => window.parley!.session.files.cardName(hex)));

  /** Writes `size` bytes at `name` in the data dir (1 MiB of random bytes repeated), without holding the file in memory. */
  function bigFile(name: string, size: number): string {
    const path = join(dataDir, name);
    const block = randomBytes(MB);
    const fd = openSync(path, 'w');
    for (let at = 0; at < size; at += MB) writeSync(fd, block, 0, Math.min(MB, size - at));
    closeSync(fd);
    return path;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-files-share-'));
    port = await freePort();
    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    browser = await launchBrowser();
    a = await (await newProfile(browser)).newPage();
    b = await (await newProfile(browser)).newPage();
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a file over the storage limit is refused with the reason, before any work, until dismissed', { timeout: 120_000 }, async () => {
    await setQuotaMb(a, 1);
    await chatPanel(a).locator('#share-input').setInputFiles(bigFile('over.bin', 2 * MB), { timeout: POLL.timeout });
    const alert = outgoing(a).getByRole('alert');
    await expect.poll(() => alert.textContent(), POLL).toContain('storage limit for shared files is full');
    expect(await usedBytes(a)).toBe(0);
    expect(await postedNames(a)).toEqual([]);
    await outgoing(a).getByRole('button', { name: 'Dismiss over.bin' }).click();
    await expect.poll(() => outgoing(a).locator('li').count(), POLL).toBe(0);
  });

  it('two files at once: the large one shows its progress and is cancelled half-way, the queued small one is then posted', { timeout: 240_000 }, async () => {
    await setQuotaMb(a, 1024);
    const large = bigFile('large.bin', 256 * MB);
    const small = join(dataDir, 'small.bin');
    writeFileSync(small, randomBytes(MB));
    await chatPanel(a).locator('#share-input').setInputFiles([large, small], { timeout: POLL.timeout });

    const bar = outgoing(a).getByRole('progressbar', { name: 'Preparing large.bin' });
    await expect.poll(async () => Number((await bar.count()) && (await bar.evaluate((e) => (e as HTMLProgressElement).value))), POLL).toBeGreaterThan(0);
    const queued = outgoing(a).getByRole('listitem', { name: 'Sharing small.bin' });
    expect(await queued.getByRole('status').textContent()).toContain('waiting for the files before it');
    await outgoing(a).getByRole('button', { name: 'Cancel sharing large.bin' }).click();

    await expect.poll(() => postedNames(a), POLL).toEqual(['small.bin']);
    await expect.poll(() => outgoing(a).locator('li').count(), POLL).toBe(0);
    await expect.poll(async () => (await transferOf(a, 'small.bin'))?.status, POLL).toBe('complete');
    // What the cancelled file had stored is gone: only the small file's chunks (and its hash block) remain.
    await expect.poll(() => usedBytes(a), POLL).toBeLessThan(MB + 64 * 1024);
    await expect.poll(() => fileCard(b).locator('.name').allTextContents(), POLL).toEqual(['small.bin']);
  });

  it('shared while the relay is down: waits in the outbox, goes out on reconnect, and B downloads it from A', { timeout: 240_000 }, async () => {
    const bytes = randomBytes(3 * MB);
    const path = join(dataDir, 'offline.bin');
    writeFileSync(path, bytes);
    await relay.stop();
    await a.waitForFunction(() => window.parley!.session.state.connection.status === 'reconnecting', undefined, { timeout: POLL.timeout });
    await chatPanel(a).locator('#share-input').setInputFiles(path, { timeout: POLL.timeout });
    const waiting = chatPanel(a).locator('.msg.pending parley-file-card');
    await expect.poll(() => waiting.getByRole('status').allTextContents(), POLL).toContain('Not shared yet: waits until you are connected.');
    expect(await postedNames(b)).toEqual(['small.bin']);

    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    await a.waitForFunction(() => window.parley!.session.state.connection.status === 'connected', undefined, { timeout: POLL.timeout });
    await expect.poll(() => chatPanel(a).locator('.msg.pending').count(), POLL).toBe(0);
    const card = fileCard(b).filter({ hasText: 'offline.bin' });
    await card.getByRole('button', { name: 'Download offline.bin' }).click({ timeout: POLL.timeout });
    await expect.poll(async () => (await transferOf(b, 'offline.bin'))?.status, POLL).toBe('complete');
    expect(await pageSha(b, 'offline.bin')).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
