/**
 * The room tree in real Chromium, two admins: B loses its connection to the
 * relay (the test cuts B's WebSocket), renames and creates rooms offline,
 * reloads the page while still offline and still sees its pending edits,
 * then reconnects; A sees B's changes. B's offline "Games" collides with
 * the "Games" A made meanwhile: the relay refuses it and B's view rolls it
 * back with a visible message. A also moves a room by drag and drop, and
 * reads the signed history.
 *
 * The page is served by the relay, so "offline" is B's WebSocket being cut
 * (Playwright's routeWebSocket) rather than context.setOffline, which would
 * also stop the reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const roomNames = (page: Page) =>
  page.evaluate(() => window.parley!.session.state.rooms.map((r) => `${r.name}${r.pending ? '*' : ''}`).sort());
const list = (page: Page) => page.locator('parley-room-list');

async function openActions(page: Page, roomName: string) {
  await list(page).getByRole('button', { name: `Actions for ${roomName}`, exact: true }).click();
  const dialog = page.locator('parley-room-dialog dialog');
  await dialog.waitFor();
  return dialog;
}

describe('room tree, offline edits and sync', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let a: Page;
  let b: Page;
  let ctxB: BrowserContext;
  let offline = false;
  const routes: WebSocketRoute[] = [];

  beforeAll(async () => {
    relay = await startRelayProcess();
    browser = await launchBrowser();
  });

  it('two admins sign in; both see the live tree', async () => {
    await expect.poll(() => relay.output(), { timeout: 10_000 }).toMatch(/#invite=/);
    const bootstrap = /(http:\/\/\S+#invite=\S+)/.exec(relay.output())![1]!.replace('localhost', '127.0.0.1');
    a = await (await newProfile(browser)).newPage();
    await joinAs(a, bootstrap, 'Ana');
    await expect.poll(() => a.evaluate(() => window.parley!.session.state.role)).toBe('admin');
    await a.evaluate(() => window.parley!.session.dispatch({ type: 'create-invite', role: 'admin', expiresInMs: 0, maxUses: 1 }));
    await expect.poll(() => a.evaluate(() => window.parley!.session.state.createdInvite?.link ?? '')).toMatch(/#invite=/);
    const link = (await a.evaluate(() => window.parley!.session.state.createdInvite!.link)).replace('localhost', '127.0.0.1');

    ctxB = await newProfile(browser);
    // B's control socket goes through here: connected to the relay while online, refused while "offline".
    await ctxB.routeWebSocket(/\/ws$/, (ws) => {
      if (offline) {
        ws.close({ code: 1006, reason: 'offline' });
        return;
      }
      ws.connectToServer();
      routes.push(ws);
    });
    b = await ctxB.newPage();
    await joinAs(b, link, 'Bo');
    await expect.poll(() => b.evaluate(() => window.parley!.session.state.tree.status)).toBe('live');
    expect(await roomNames(b)).toEqual(['Lobby', 'Parley', 'Quiet room']);
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('B edits offline, keeps its pending edits across a reload, and syncs them on reconnect; a refused edit is rolled back with a message', async () => {
    offline = true;
    for (const r of routes.splice(0)) await r.close({ code: 1001, reason: 'cut' });
    await expect.poll(() => b.locator('parley-tree-status .offline').count(), { timeout: 10_000 }).toBe(1);

    // Meanwhile A (online) creates "Games".
    let dialog = await openActions(a, 'Parley');
    await dialog.locator('#child-name').fill('Games');
    await dialog.getByRole('button', { name: 'Create room' }).click();
    await expect.poll(() => roomNames(a)).toContain('Games');

    // B, offline: rename through the keyboard-accessible dialog, create two rooms.
    dialog = await openActions(b, 'Quiet room');
    await dialog.locator('#rename-name').fill('Quiet corner');
    await dialog.locator('#rename-name').press('Enter');
    for (const name of ['Made offline', 'Games']) {
      dialog = await openActions(b, 'Parley');
      await dialog.locator('#child-name').fill(name);
      await dialog.getByRole('button', { name: 'Create room' }).click();
    }
    await expect.poll(() => roomNames(b)).toEqual(['Games*', 'Lobby', 'Made offline*', 'Parley', 'Quiet corner*']);
    await expect.poll(() => b.locator('parley-tree-status .pending').textContent()).toContain('3 room changes');

    // Reload while still offline: the cached tree and the queued edits are still there.
    await b.reload();
    await b.locator('parley-connect-form button[type="submit"]').click();
    await expect.poll(() => b.locator('parley-tree-status .offline').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => roomNames(b)).toEqual(['Games*', 'Lobby', 'Made offline*', 'Parley', 'Quiet corner*']);
    await expect.poll(() => list(b).locator('[data-pending="true"]').count()).toBe(3);

    // Back online: B syncs, sends its queue; A sees B's changes; B's "Games" is refused and rolled back.
    offline = false;
    await expect.poll(() => b.evaluate(() => window.parley!.session.state.tree.pendingCount), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => roomNames(a)).toEqual(['Games', 'Lobby', 'Made offline', 'Parley', 'Quiet corner']);
    await expect.poll(() => roomNames(b)).toEqual(['Games', 'Lobby', 'Made offline', 'Parley', 'Quiet corner']);
    const refusal = b.locator('parley-tree-status .refused');
    await expect.poll(() => refusal.textContent()).toContain('Create “Games”');
    expect(await refusal.textContent()).toContain('already has that name');
    await expect.poll(() => b.locator('parley-tree-status .offline').count()).toBe(0);
  });

  it('A moves a room by drag and drop; B follows; the history shows verified signatures', async () => {
    const id = await a.evaluate(() => window.parley!.session.state.rooms.find((r) => r.name === 'Made offline')!.id);
    await list(a).locator(`[data-room-id="${id}"] > .head .room-button`).dragTo(list(a).locator('[data-room-id="lobby"] > .head .room-button'));
    await expect.poll(() => b.evaluate(() => {
      const s = window.parley!.session.state;
      return s.rooms.find((r) => r.name === 'Made offline')?.parentId;
    })).toBe('lobby');
    await a.locator('header').getByRole('button', { name: 'History' }).click();
    const history = a.locator('parley-room-history');
    await expect.poll(() => history.locator('tbody tr').count()).toBeGreaterThanOrEqual(4);
    await expect.poll(() => history.locator('[data-verified="true"]').count()).toBe(await history.locator('tbody tr').count());
    expect(await history.locator('tbody').textContent()).toContain('to “Quiet corner”');
  });
});
