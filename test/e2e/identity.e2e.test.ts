/** The identity key is created on first visit and survives reloads (real Chromium, real IndexedDB). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

describe('identity key', () => {
  let relay: RelayProcess;
  let browser: Browser;

  beforeAll(async () => {
    relay = await startRelayProcess();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('is the same after a reload, and different in another profile', async () => {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(relay.url);
    await page.waitForFunction(() => window.parley?.session.state.identity != null);
    const first = await page.evaluate(() => window.parley!.session.state.identity!);
    await page.reload();
    await page.waitForFunction(() => window.parley?.session.state.identity != null);
    const second = await page.evaluate(() => window.parley!.session.state.identity!);
    expect(second).toEqual(first);
    expect(first.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    // The fingerprint is shown on the sign-in form.
    await expect.poll(() => page.locator('parley-connect-form .fp code').textContent()).toBe(first.fingerprint);

    const other = await (await newProfile(browser)).newPage();
    await other.goto(relay.url);
    await other.waitForFunction(() => window.parley?.session.state.identity != null);
    expect((await other.evaluate(() => window.parley!.session.state.identity!)).publicKeyHex).not.toBe(first.publicKeyHex);
  });
});
