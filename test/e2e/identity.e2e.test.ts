/**
 * The identity key in real Chromium with real IndexedDB: it survives
 * reloads; an encrypted backup exported in one profile imports in a fresh
 * one as the same identity (a wrong passphrase changes nothing); the
 * imported private key stays unreadable to page script; renaming is live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const PASS = 'a long backup passphrase';

const identityOf = async (page: Page) => {
  await page.waitForFunction(() => window.parley?.session.state.identity != null);
  return page.evaluate(() => window.parley!.session.state.identity!);
};

describe('identity key', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-backup-'));
    relay = await startRelayProcess();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the same after a reload, and different in another profile', async () => {
    const page = await (await newProfile(browser)).newPage();
    await page.goto(relay.url);
    const first = await identityOf(page);
    await page.reload();
    const second = await identityOf(page);
    expect(second).toEqual(first);
    expect(first.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
    // The fingerprint is shown on the sign-in form.
    await expect.poll(() => page.locator('parley-connect-form .fp code').textContent()).toBe(first.fingerprint);

    const other = await (await newProfile(browser)).newPage();
    await other.goto(relay.url);
    expect((await identityOf(other)).publicKeyHex).not.toBe(first.publicKeyHex);
  });

  it('exports an encrypted backup that imports in a fresh profile as the same identity; a wrong passphrase changes nothing', async () => {
    const source = await (await newProfile(browser)).newPage();
    await source.goto(relay.url);
    const original = await identityOf(source);
    const panel = source.locator('parley-identity-panel');
    await expect.poll(() => panel.locator('[data-status]').getAttribute('data-status')).toBe('needed');
    await panel.locator('#backup-pass').fill(PASS);
    await panel.locator('#backup-pass2').fill(PASS);
    const [download] = await Promise.all([source.waitForEvent('download'), panel.getByRole('button', { name: 'Download encrypted backup' }).click()]);
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe(`parley-identity-${original.fingerprint}.json`);
    expect(readFileSync(file, 'utf8')).not.toContain(PASS);
    await expect.poll(() => panel.locator('[data-status]').getAttribute('data-status')).toBe('saved');

    const target = await (await newProfile(browser)).newPage();
    await target.goto(relay.url);
    const before = await identityOf(target);
    const targetPanel = target.locator('parley-identity-panel');
    await targetPanel.locator('#import-file').setInputFiles(file);
    await targetPanel.locator('#import-pass').fill('not the passphrase');
    await targetPanel.getByRole('button', { name: 'Import and replace this identity' }).click();
    await expect.poll(() => targetPanel.locator('[role="alert"]').textContent()).toBe('Wrong passphrase. Nothing was changed.');
    await target.reload();
    expect(await identityOf(target)).toEqual(before);

    await targetPanel.locator('#import-file').setInputFiles(file);
    await targetPanel.locator('#import-pass').fill(PASS);
    await Promise.all([target.waitForEvent('load'), targetPanel.getByRole('button', { name: 'Import and replace this identity' }).click()]);
    expect(await identityOf(target)).toEqual(original);

    // The imported key is a non-extractable CryptoKey: page script can sign with it but not read it.
    const probe = await target.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('parley-identity');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const record = await new Promise<{ kind: string; keyPair: CryptoKeyPair }>((resolve, reject) => {
        const req = db.transaction('identity').objectStore('identity').get('self');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      db.close();
      const exported = await crypto.subtle.exportKey('pkcs8', record.keyPair.privateKey).then(
        () => 'exported',
        (e: Error) => e.name,
      );
      return { kind: record.kind, extractable: record.keyPair.privateKey.extractable, exported, stored: Object.keys(record) };
    });
    expect(probe).toEqual({ kind: 'webcrypto', extractable: false, exported: 'InvalidAccessError', stored: ['kind', 'keyPair', 'createdAt', 'backup'] });
  });

  it('renames live without changing identity', async () => {
    const page = await (await newProfile(browser)).newPage();
    await joinAs(page, relay.url, 'Bea');
    const id = await identityOf(page);
    await page.getByRole('button', { name: 'Identity' }).click();
    const panel = page.locator('parley-identity-panel');
    await panel.locator('#display-name').fill('Beatrix');
    await panel.getByRole('button', { name: 'Change name' }).click();
    await expect
      .poll(() => page.evaluate(() => window.parley!.session.state.users.find((u) => u.sessionId === window.parley!.session.state.selfSessionId)?.displayName))
      .toBe('Beatrix');
    expect(await identityOf(page)).toEqual(id);
  });
});
