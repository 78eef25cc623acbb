/**
 * `--tls ca` in real Chromium: `https://parley.test` (mapped to 127.0.0.1)
 * with the relay's CA trusted through an SPKI pin (what installing the CA
 * gives) is a trusted secure context: getUserMedia works, the service worker
 * registers, two pages talk. The same name over plain HTTP shows why voice
 * is unavailable.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { joinAs, launchBrowser, newProfile, recordOutput, sessionSnapshot } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';
import { spkiHash } from '../../relay/tls/index.ts';
import { PLAIN_HTTP_WARNING } from '../../relay/tls/cli.ts';
import { peakHz, rms } from '../helpers/tone-analysis.ts';
import { sine, writeWav } from '../helpers/wav.ts';

const TONE_HZ = 440;
const MAP = '--host-resolver-rules=MAP parley.test 127.0.0.1';

describe('--tls ca in Chromium', () => {
  let wavDir: string;
  let secure: RelayProcess;
  let plain: RelayProcess;
  let browsers: Browser[] = [];
  let httpsUrl: string;

  beforeAll(async () => {
    wavDir = mkdtempSync(join(tmpdir(), 'parley-https-'));
    const toneWav = writeWav(join(wavDir, 'tone.wav'), sine(TONE_HZ, 10, 0.5));
    const quietWav = writeWav(join(wavDir, 'quiet.wav'), new Float32Array(48_000 * 10));
    secure = await startRelayProcess(['--tls', 'ca', '--public-host', 'parley.test', '--public-host', '127.0.0.1', '--voice-workers', '0']);
    plain = await startRelayProcess(['--voice-workers', '0']);
    httpsUrl = secure.url.replace('127.0.0.1', 'parley.test');
    // Chromium accepts a chain containing a pinned key as if its CA were installed.
    const pin = `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(join(secure.dataDir, 'tls', 'ca.crt'), 'utf8'))}`;
    browsers = await Promise.all([launchBrowser(toneWav, [MAP, pin]), launchBrowser(quietWav, [MAP, pin])]);
  });

  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await secure?.stop();
    await plain?.stop();
    rmSync(wavDir, { recursive: true, force: true });
  });

  it('prints the CA page on the banner', () => {
    expect(httpsUrl).toMatch(/^https:\/\/parley\.test:\d+\/$/);
    expect(secure.output()).toMatch(/Each device trusts this relay once: open https:\/\/127\.0\.0\.1:\d+\/ca/);
  });

  it('is a secure context with the microphone and the service worker, and two pages talk', async () => {
    const a = await (await newProfile(browsers[0]!)).newPage();
    const b = await (await newProfile(browsers[1]!)).newPage();
    await joinAs(a, httpsUrl, 'Ana');
    await joinAs(b, httpsUrl, 'Bo');
    expect(await a.evaluate(() => window.isSecureContext)).toBe(true);
    expect(await a.evaluate(async () => (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks().length)).toBe(1);
    await a.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    expect(await a.locator('parley-page-security p').count()).toBe(0);

    const aId = (await sessionSnapshot(a)).selfSessionId!;
    await b.waitForFunction((id) => window.parley!.session.state.talking.has(id), aId, { timeout: 20_000 });
    const heard = await recordOutput(b, 1500);
    expect(rms(heard)).toBeGreaterThan(0.02);
    expect(peakHz(heard)).toBe(TONE_HZ);
  });

  it('over plain HTTP on the same name, says voice needs HTTPS and which flag fixes it', async () => {
    const page = await (await newProfile(browsers[1]!)).newPage();
    await page.goto(plain.url.replace('127.0.0.1', 'parley.test'));
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    const notice = page.locator('parley-page-security p');
    await expect.poll(() => notice.textContent()).toContain('Voice needs HTTPS');
    expect(await notice.textContent()).toContain('--tls ca');
  });

  it('a plain-HTTP relay on a loopback address says nothing; on all interfaces it says which flag gives voice', async () => {
    expect(plain.output()).not.toContain(PLAIN_HTTP_WARNING);
    const open = await startRelayProcess(['--host', '0.0.0.0', '--voice-workers', '0']);
    try {
      await expect.poll(() => open.output()).toContain(PLAIN_HTTP_WARNING);
    } finally {
      await open.stop();
    }
  });
});
