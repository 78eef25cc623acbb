/**
 * Temporary rooms in real Chromium against a real relay: an admin opens
 * "New temporary room" on the Lobby with the keyboard, names it and is moved
 * in; a member (who may not make one, by default) sees it in the tree marked
 * temporary but has no such button; the admin renames it ("Edit"); when the
 * admin leaves, the room vanishes from both trees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const list = (page: Page) => page.locator('parley-room-list');
const tempButton = (page: Page, name: string) => list(page).getByRole('button', { name: new RegExp(`^${name} \\(temporary room\\)`) });

describe('temporary rooms in the browser', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    relay = await startRelayProcess();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('an admin and a member sign in', async () => {
    await expect.poll(() => relay.output(), { timeout: 10_000 }).toMatch(/#invite=/);
    const bootstrap = /(http:\/\/\S+#invite=\S+)/.exec(relay.output())![1]!.replace('localhost', '127.0.0.1');
    a = await (await newProfile(browser)).newPage();
    await joinAs(a, bootstrap, 'Ana');
    await expect.poll(() => a.evaluate(() => window.parley!.session.state.role)).toBe('admin');
    await a.evaluate(() => window.parley!.session.dispatch({ type: 'create-invite', role: 'member', expiresInMs: 0, maxUses: 1 }));
    await expect.poll(() => a.evaluate(() => window.parley!.session.state.createdInvite?.link ?? '')).toMatch(/#invite=/);
    const link = (await a.evaluate(() => window.parley!.session.state.createdInvite!.link)).replace('localhost', '127.0.0.1');
    b = await (await newProfile(browser)).newPage();
    await joinAs(b, link, 'Bo');
    await expect.poll(() => b.evaluate(() => window.parley!.session.state.tree.status)).toBe('live');
  });

  it('"New temporary room" by keyboard: the maker is moved in, both trees show it marked temporary; the member has no such button', async () => {
    const open = list(a).getByRole('button', { name: 'New temporary room in Lobby', exact: true });
    await open.focus();
    await a.keyboard.press('Enter');
    const field = list(a).getByRole('textbox', { name: 'Name of the new temporary room in Lobby' });
    await field.fill('Huddle');
    await field.press('Enter');
    await tempButton(a, 'Huddle').waitFor();
    await expect.poll(() => a.evaluate(() => window.parley!.session.state.tempRooms.find((r) => r.id === window.parley!.session.state.roomId)?.name ?? '')).toBe('Huddle');
    await tempButton(b, 'Huddle').waitFor();
    expect(await list(b).locator('.temp').count()).toBe(1);
    expect(await list(b).getByRole('button', { name: /^New temporary room/ }).count()).toBe(0);
  });

  it('its maker renames it with "Edit"; the member sees the new name and has no "Edit"', async () => {
    await list(a).getByRole('button', { name: 'Edit temporary room Huddle', exact: true }).click();
    const name = list(a).getByRole('textbox', { name: 'New name of Huddle' });
    await name.fill('Pair');
    await name.press('Enter');
    await tempButton(b, 'Pair').waitFor();
    expect(await list(b).getByRole('button', { name: /^Edit temporary room/ }).count()).toBe(0);
  });

  it('chat there works as usual, live to the people in it, and the panel says its messages are not kept', async () => {
    await tempButton(b, 'Pair').click();
    await expect.poll(() => b.evaluate(() => window.parley!.session.state.tempRooms.some((r) => r.id === window.parley!.session.state.roomId))).toBe(true);
    const panel = (p: Page) => p.locator('parley-chat-panel');
    await expect.poll(() => panel(a).locator('.unkept[role="note"]').textContent(), { timeout: 15_000 }).toContain('Messages in a temporary room are not kept');
    const box = panel(a).locator('#compose');
    await box.fill('only for those here');
    await box.press('Enter');
    await expect.poll(() => panel(b).locator('.msg:not(.pending):not(.unverified) .text').allTextContents(), { timeout: 15_000 }).toEqual(['only for those here']);
    expect(await panel(b).locator('.unkept[role="note"]').textContent()).toContain('not kept');
    expect(await panel(b).locator('.edit-btn, .delete-btn').count()).toBe(0);
    await list(b).getByRole('button', { name: /^Lobby,/ }).click();
  });

  it('when the last person leaves, the room vanishes from every tree', async () => {
    await list(a).getByRole('button', { name: /^Lobby,/ }).click();
    await expect.poll(() => tempButton(b, 'Pair').count()).toBe(0);
    await expect.poll(() => tempButton(a, 'Pair').count()).toBe(0);
    expect(await b.evaluate(() => window.parley!.session.state.tempRooms.length)).toBe(0);
  });
});
