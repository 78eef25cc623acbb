/**
 * Files through an organisation's coturn, end to end: a real relay process
 * with `--turn-urls`/`--turn-secret`, Debian's coturn on loopback
 * (test/helpers/coturn.ts), two Chromium profiles that both tick "Hide my IP
 * address from other members" in the Files panel, so their file connections
 * allow relay candidates only (iceTransportPolicy 'relay') with the
 * credentials the relay minted. The file moves through coturn: the selected
 * candidate pair (getStats) is relay on both ends, no chunk came through the
 * Parley relay, which carried under 1% of the file's size, and the bytes are
 * equal (SHA-256). With a relay whose secret is not coturn's, coturn refuses
 * the credentials (401), no candidate is gathered, and the Parley relay's
 * fallback carries the file instead.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn } from '../helpers/coturn.ts';
import type { Coturn } from '../helpers/coturn.ts';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { chatPanel, fileCard, openFilesPanel, pageSha, relayFileBytes, transferOf } from './file-pages.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const SECRET = 'e2e-coturn-secret-93d2a1';
const SIZE = 2 * 1024 * 1024 + 555;
const NAME = 'through-turn.bin';
/** Generous: other test processes may share the two cores. */
const POLL = { timeout: 90_000, interval: 250 };

/** Candidate types of each relay-only connection once connected, read from the page's own RTCPeerConnection stats. */
interface SeenPair {
  readonly local: string;
  readonly remote: string;
}

declare global {
  interface Window {
    __relayOnlyPairs?: SeenPair[];
  }
}

/**
 * Observes (does not change) the page's RTCPeerConnections: for each made
 * with iceTransportPolicy 'relay', records the selected pair's candidate
 * types when it connects.
 */
function watchRelayOnlyConnections(): void {
  const Native = window.RTCPeerConnection;
  const pairs: SeenPair[] = [];
  window.__relayOnlyPairs = pairs;
  class Watched extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      if (config?.iceTransportPolicy !== 'relay') return;
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState !== 'connected') return;
        void this.getStats().then((stats) => {
          const all = [...stats.values()] as Array<Record<string, unknown>>;
          const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
          const pair = all.find((s) => s.id === transport?.selectedCandidatePairId);
          const type = (id: unknown): string => String(all.find((s) => s.id === id)?.candidateType ?? 'none');
          pairs.push({ local: type(pair?.localCandidateId), remote: type(pair?.remoteCandidateId) });
        });
      });
    }
  }
  window.RTCPeerConnection = Watched;
}

async function hideAddress(p: Page): Promise<void> {
  const box = (await openFilesPanel(p)).locator('#hide-address');
  await box.check({ timeout: POLL.timeout });
  await expect.poll(() => p.evaluate(() => window.parley!.session.files.prefs.hideAddress), POLL).toBe(true);
}

describe('files through the organisation\'s TURN server', () => {
  let browser: Browser;
  let coturn: Coturn;
  let dataDir: string;
  const relays: RelayProcess[] = [];
  const bytes = randomBytes(SIZE);
  const sha = createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-files-turn-'));
    writeFileSync(join(dataDir, NAME), bytes);
    coturn = await startCoturn(SECRET);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    for (const r of relays) await r.stop();
    await coturn?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function share(secret: string): Promise<{ a: Page; b: Page; relay: RelayProcess }> {
    const relay = await startRelayProcess(['--turn-urls', coturn.urls.join(','), '--turn-secret', secret]);
    relays.push(relay);
    const pages: Page[] = [];
    for (const name of ['Ana', 'Bo']) {
      const p = await (await newProfile(browser)).newPage();
      await p.addInitScript(watchRelayOnlyConnections);
      await joinAs(p, relay.url, name);
      await hideAddress(p);
      pages.push(p);
    }
    const [a, b] = pages as [Page, Page];
    await chatPanel(a).locator('#share-input').setInputFiles(join(dataDir, NAME), { timeout: POLL.timeout });
    await expect.poll(async () => (await transferOf(a))?.status, POLL).toBe('complete');
    await fileCard(b).getByRole('button', { name: `Download ${NAME}` }).click({ timeout: POLL.timeout });
    return { a, b, relay };
  }

  it('both members hide their address: the file goes through coturn, not the Parley relay, bytes equal', { timeout: 180_000 }, async () => {
    const { b, relay } = await share(SECRET);
    await expect.poll(async () => (await transferOf(b))?.status, POLL).toBe('complete');
    const p = (await transferOf(b))!.progress!;
    expect(p.relayChunks).toBe(0);
    expect(await pageSha(b)).toBe(sha);
    expect(await relayFileBytes(relay)).toBeLessThan(SIZE / 100);
    await expect.poll(() => b.evaluate(() => window.__relayOnlyPairs ?? []), POLL).toContainEqual({ local: 'relay', remote: 'relay' });
    const pairs = await b.evaluate(() => window.__relayOnlyPairs ?? []);
    for (const pair of pairs) expect(pair).toEqual({ local: 'relay', remote: 'relay' });
    // coturn accepted the relay's credentials (a user "<expiry>:<key hex>"); its first 401 per allocation is the usual unauthenticated challenge.
    await coturn.waitFor(/user <\d+:[0-9a-f]{64}>: incoming packet ALLOCATE processed, success/);
    expect(coturn.output()).not.toMatch(/user <\d+:[0-9a-f]{64}>: [^\n]*error 401/);
  });

  it('credentials coturn does not accept: refused (401), no direct path, the relay fallback carries the file', { timeout: 300_000 }, async () => {
    const { b, relay } = await share('a-secret-coturn-does-not-know');
    // The fallback took 20-120 s here on the shared box (2-6x the TURN path): a generous bound on a hang, not a timing.
    await expect.poll(async () => (await transferOf(b))?.status, { ...POLL, timeout: 200_000 }).toBe('complete');
    const p = (await transferOf(b))!.progress!;
    expect(p.relayChunks).toBe(p.totalChunks);
    expect(await pageSha(b)).toBe(sha);
    expect(await relayFileBytes(relay)).toBeGreaterThanOrEqual(2 * SIZE);
    expect(await b.evaluate(() => window.__relayOnlyPairs ?? [])).toEqual([]);
    // Refused for the credentials themselves, not the unauthenticated challenge (which has no user).
    await coturn.waitFor(/user <\d+:[0-9a-f]{64}>: [^\n]*error 401/);
  });
});
