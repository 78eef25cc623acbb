/**
 * File sharing end to end: a real relay process, three Chromium profiles.
 * A shares a 20 MB file in the Lobby through the Share button's file input;
 * B downloads it from A; A closes its page; C downloads it, now only from B.
 * The bytes each downloader assembles equal the test's (SHA-256 in the page
 * against the test's own), and the relay's /metrics show it carried less
 * than 1 % of the file (the bytes went browser to browser).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.ts';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const SIZE = 20 * 1024 * 1024;
const NAME = 'twenty.bin';
/** Generous: other test processes may share the two cores. */
const POLL = { timeout: 90_000, interval: 250 };
const panel = (p: Page) => p.locator('parley-chat-panel');
const card = (p: Page) => panel(p).locator('parley-file-card');

/** Status of the page's only file transfer (undefined before its card is known). */
const status = (p: Page): Promise<string | undefined> =>
  p.evaluate(() => [...(window.parley!.session.files.state?.files.values() ?? [])][0]?.transfer?.status);

/** SHA-256 (hex) of the page's assembled copy, computed in the page. */
const pageSha = (p: Page): Promise<string> =>
  p.evaluate(async () => {
    const files = window.parley!.session.files;
    const id = [...files.state!.files.keys()][0]!;
    const blob = await files.command({ type: 'file-save', fileId: id });
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob!.arrayBuffer()));
    return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  });

async function relayBytes(relay: RelayProcess): Promise<number> {
  const text = await (await fetch(new URL('/metrics', relay.url))).text();
  let total = 0;
  for (const m of text.matchAll(/^parley_file_relay_bytes_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) total += Number(m[1]);
  return total;
}

describe('file sharing between browsers', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let dataDir: string;
  const bytes = randomBytes(SIZE);
  const sha = createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-files-e2e-'));
    relay = await startRelayProcess(['--port', String(await freePort())], { dataDir });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('A shares 20 MB, B downloads it, A leaves, C downloads it from B; bytes equal, under 1 % through the relay', { timeout: 240_000 }, async () => {
    const a = await (await newProfile(browser)).newPage();
    const b = await (await newProfile(browser)).newPage();
    const c = await (await newProfile(browser)).newPage();
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
    await joinAs(c, relay.url, 'Cy');

    // From a file on disk: a 20 MB buffer handed over the DevTools protocol is slow enough to time out.
    const path = join(dataDir, NAME);
    writeFileSync(path, bytes);
    await panel(a).locator('#share-input').setInputFiles(path, { timeout: POLL.timeout });
    await expect.poll(() => status(a), POLL).toBe('complete');
    // The post reached B: its card offers the download.
    const download = card(b).getByRole('button', { name: `Download ${NAME}` });
    await download.waitFor({ timeout: POLL.timeout });
    await download.click();
    await expect.poll(() => status(b), POLL).toBe('complete');
    expect(await pageSha(b)).toBe(sha);

    await a.context().close();
    const cDownload = card(c).getByRole('button', { name: `Download ${NAME}` });
    await cDownload.waitFor({ timeout: POLL.timeout });
    await cDownload.click();
    await expect.poll(() => status(c), POLL).toBe('complete');
    expect(await pageSha(c)).toBe(sha);

    expect(await relayBytes(relay)).toBeLessThan(SIZE * 0.01);
  });
});
