/**
 * The app opens with the relay down: the service worker serves the cached
 * shell, the room tree comes from IndexedDB with the offline banner, and the
 * page reconnects by itself when the relay is back (real relay process
 * stopped and restarted on the same port and data folder).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { freePort, startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';


const roomNames = (page: Page) => page.evaluate(() => window.parley!.session.state.rooms.map((r) => r.name).sort());

/** True once the room-tree replica is stored in this page's IndexedDB cache. */
const cachedTreeSaved = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<boolean>((resolve) => {
        const req = indexedDB.open(`parley-tree:ws://${location.host}/ws`);
        req.onerror = () => resolve(false);
        req.onsuccess = () => {
          const db = req.result;
          if (!db.objectStoreNames.contains('state')) return resolve(false), db.close();
          const get = db.transaction('state').objectStore('state').get('doc');
          get.onsuccess = () => (resolve(get.result?.doc != null), db.close());
          get.onerror = () => (resolve(false), db.close());
        };
      }),
  );

describe('offline app shell', () => {
  let browser: Browser;
  let relay: RelayProcess;
  let port: number;
  let dataDir: string;
  let page: Page;

  beforeAll(async () => {
    port = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), 'parley-offline-'));
    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    browser = await launchBrowser();
    page = await (await newProfile(browser)).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens from the service worker cache with the relay down and reconnects when it is back', async () => {
    await joinAs(page, relay.url, 'Tara');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    await page.waitForFunction(() => window.parley!.session.state.tree.status === 'live');
    // The replica reaches IndexedDB a moment after it goes live (debounced save).
    await expect.poll(() => cachedTreeSaved(page), { timeout: 10_000 }).toBe(true);
    const online = await roomNames(page);
    expect(online).toEqual(expect.arrayContaining(['Lobby', 'Quiet room']));

    await relay.stop();
    await page.reload();
    // The page itself came from the cache: the sign-in form is there.
    await page.locator('parley-connect-form button[type="submit"]').click();
    await expect.poll(() => page.locator('parley-tree-status .offline').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => roomNames(page)).toEqual(online);

    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    await page.waitForFunction(() => window.parley!.session.state.connection.status === 'connected', undefined, { timeout: 30_000 });
    await expect.poll(() => page.locator('parley-tree-status .offline').count()).toBe(0);
  });
});
