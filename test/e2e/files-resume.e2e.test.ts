/**
 * Resume after a reload, end to end: a real relay process, two Chromium
 * profiles. B sets a 4 MB storage limit in the Files panel, starts
 * downloading A's 12 MB file, and the download stops at the limit with the
 * plain-language quota message (a deterministic point in the middle of the
 * download). B raises the limit and reloads the page: the download carries
 * on by itself from the chunks kept in OPFS; only the missing chunks are
 * fetched; the bytes equal A's (SHA-256). Then B removes the file in the
 * Files panel: its bytes leave the device and the card offers Download again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { chatPanel, fileCard, openFilesPanel, pageSha, setQuotaMb, transferOf } from './file-pages.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const SIZE = 12 * 1024 * 1024;
const NAME = 'twelve.bin';
/** Generous: other test processes may share the two cores. */
const POLL = { timeout: 90_000, interval: 250 };

describe('a download survives a page reload', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let dataDir: string;
  const bytes = randomBytes(SIZE);
  const sha = createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-files-resume-'));
    relay = await startRelayProcess([], { dataDir });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops at the storage limit, resumes after a reload from the stored chunks, fetches only the rest; Remove frees the space', { timeout: 240_000 }, async () => {
    const a = await (await newProfile(browser)).newPage();
    const b = await (await newProfile(browser)).newPage();
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
    await setQuotaMb(b, 4);

    const path = join(dataDir, NAME);
    writeFileSync(path, bytes);
    await chatPanel(a).locator('#share-input').setInputFiles(path, { timeout: POLL.timeout });
    await expect.poll(async () => (await transferOf(a))?.status, POLL).toBe('complete');

    await fileCard(b).getByRole('button', { name: `Download ${NAME}` }).click({ timeout: POLL.timeout });
    await expect.poll(async () => (await transferOf(b))?.status, POLL).toBe('failed');
    const stopped = (await transferOf(b))!;
    expect(stopped.error).toBe('quota-exceeded');
    const heldBefore = stopped.progress!.heldChunks;
    const total = stopped.progress!.totalChunks;
    expect(heldBefore).toBeGreaterThan(0);
    expect(heldBefore).toBeLessThan(total);
    // Said in plain language on the card and in the Files panel.
    await expect.poll(() => fileCard(b).locator('[role=alert]').textContent(), POLL).toContain('storage limit for shared files is full');
    const panel = await openFilesPanel(b);
    await expect.poll(() => panel.locator('[role=alert]').textContent(), POLL).toContain('storage limit for shared files is full');

    // Raising the limit does not restart it; the reload does (the download was never cancelled).
    await setQuotaMb(b, 100);
    await joinAs(b, relay.url, 'Bo');
    await expect.poll(async () => (await transferOf(b))?.status, POLL).toBe('complete');
    const done = (await transferOf(b))!.progress!;
    expect(done.resumedChunks).toBeGreaterThanOrEqual(heldBefore);
    // Nothing held before the reload was fetched again.
    expect(done.resumedChunks + done.fetchedChunks).toBe(total);
    expect(await pageSha(b)).toBe(sha);
    // The limit the user set survived the reload too.
    expect(await b.evaluate(() => window.parley!.session.files.storage.quotaBytes)).toBe(100 * 1024 * 1024);

    const files = await openFilesPanel(b);
    await expect.poll(() => files.locator('li').first().textContent(), POLL).toContain(NAME);
    await files.getByRole('button', { name: `Remove ${NAME} from this device` }).click();
    await expect.poll(() => b.evaluate(() => window.parley!.session.files.storage.usedBytes), POLL).toBe(0);
    await fileCard(b).getByRole('button', { name: `Download ${NAME}` }).waitFor({ timeout: POLL.timeout });
  });
});
