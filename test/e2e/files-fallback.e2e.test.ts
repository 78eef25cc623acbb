/**
 * The relay fallback, end to end: a real relay process, two Chromium
 * profiles. B ticks "Never connect directly" in the Files panel, so its
 * connections allow relay ICE candidates only and, with no TURN server, have
 * none: every direct connection fails in the real WebRTC stack. The relay
 * then carries the chunks and hash blocks; the card says the file came
 * through the relay; the bytes equal A's (SHA-256) and the relay's counters
 * show it carried the file. On a relay whose admin turned the fallback off
 * (`--file-relay-fallback off`), the relay refuses with FILE_FALLBACK_OFF
 * and the card says in plain language why the download waits.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { chatPanel, fileCard, openFilesPanel, pageSha, relayFileBytes, transferOf } from './file-pages.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const SIZE = 3 * 1024 * 1024 + 777;
const NAME = 'three.bin';
/** Generous: other test processes may share the two cores. */
const POLL = { timeout: 90_000, interval: 250 };

async function relayOnly(p: Page): Promise<void> {
  const box = (await openFilesPanel(p)).locator('#relay-only');
  await box.check();
  await expect.poll(() => p.evaluate(() => window.parley!.session.files.prefs.relayOnly), POLL).toBe(true);
}

describe('no direct path: the relay carries the file, if the admin allows it', () => {
  let browser: Browser;
  let dataDir: string;
  const relays: RelayProcess[] = [];
  const bytes = randomBytes(SIZE);
  const sha = createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-files-fallback-'));
    writeFileSync(join(dataDir, NAME), bytes);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    for (const r of relays) await r.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function share(relay: RelayProcess): Promise<{ a: Page; b: Page }> {
    const a = await (await newProfile(browser)).newPage();
    const b = await (await newProfile(browser)).newPage();
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
    await relayOnly(b);
    await chatPanel(a).locator('#share-input').setInputFiles(join(dataDir, NAME), { timeout: POLL.timeout });
    await expect.poll(async () => (await transferOf(a))?.status, POLL).toBe('complete');
    await fileCard(b).getByRole('button', { name: `Download ${NAME}` }).click({ timeout: POLL.timeout });
    return { a, b };
  }

  it('fallback on: every chunk comes through the relay, the card says so, bytes equal', { timeout: 180_000 }, async () => {
    const relay = await startRelayProcess([]);
    relays.push(relay);
    const { b } = await share(relay);
    await expect.poll(async () => (await transferOf(b))?.status, POLL).toBe('complete');
    const p = (await transferOf(b))!.progress!;
    expect(p.relayChunks).toBe(p.totalChunks);
    expect(await pageSha(b)).toBe(sha);
    await fileCard(b).getByText('Downloaded through the relay').waitFor({ timeout: POLL.timeout });
    // In from the holder and out to B: at least the file, twice.
    expect(await relayFileBytes(relay)).toBeGreaterThanOrEqual(2 * SIZE);
  });

  it('fallback off: refused with FILE_FALLBACK_OFF, the card says why it waits, nothing is carried', { timeout: 180_000 }, async () => {
    const relay = await startRelayProcess(['--file-relay-fallback', 'off']);
    relays.push(relay);
    const { b } = await share(relay);
    await expect.poll(async () => (await transferOf(b))?.availability, POLL).toBe('no-path');
    await expect.poll(() => fileCard(b).locator('[role=status]').allTextContents(), POLL).toContainEqual(expect.stringContaining('the relay is not allowed to carry files'));
    const t = (await transferOf(b))!;
    expect(t.status).toBe('waiting');
    expect(t.progress!.heldChunks).toBe(0);
    expect(await relayFileBytes(relay)).toBe(0);
  });
});
