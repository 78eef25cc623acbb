/**
 * Signed room invites end to end: a real relay process and real Chromium. The
 * admin opens a room's actions, "Invite to this room…", and makes a link for
 * the room's invite group (one use). A guest opening the link signs in and
 * lands in the room, which is hidden from everyone else (absent from another
 * guest's DOM); a third browser opening the spent link is told so in words
 * and stays out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { setOf } from '../../perms/index.ts';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { freePort, startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const roomOf = (p: Page): Promise<string | null> => p.evaluate(() => window.parley!.session.state.roomId);
const roomNames = (p: Page): Promise<string[]> => p.locator('parley-room-list').evaluate((el) => [...(el.shadowRoot?.querySelectorAll('[data-room-id]') ?? [])].map((n) => n.getAttribute('data-room-id') ?? ''));

describe('room invites in the browser', () => {
  let browser: Browser;
  let relay: RelayProcess;
  let admin: Page;
  let link = '';

  beforeAll(async () => {
    const port = await freePort();
    relay = await startRelayProcess(['--port', String(port), '--guests', 'allow']);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('the admin makes a one-use link from the room\'s actions', async () => {
    await expect.poll(() => relay.output(), { timeout: 10_000 }).toMatch(/#invite=/);
    const bootstrap = /(http:\/\/\S+#invite=\S+)/.exec(relay.output())![1]!.replace('localhost', '127.0.0.1');
    admin = await (await newProfile(browser)).newPage();
    await joinAs(admin, bootstrap, 'Ada');
    await expect.poll(() => admin.evaluate(() => window.parley!.session.state.role)).toBe('admin');
    // A room hidden from everyone but its invite group (the password-room preset's group takes invites too).
    await admin.evaluate(() => window.parley!.session.dispatch({ type: 'tree-edit', edit: { kind: 'room.create', args: { roomId: 'vip', parentId: 'root', name: 'VIP', index: 3, description: '', userLimit: 0 } } }));
    const rule = (id: string, who: object, allow: number, deny: number) => ({ kind: 'rule-put', rule: { id, label: id, who, where: 'anywhere', allow, deny, here: true, subs: true } });
    const changes = [
      { kind: 'group-put', group: { name: 'invited', inherit: false, inheritable: false, add: [], remove: [], password: true } },
      rule('viphide1', { kind: 'everyone' }, 0, setOf('see', 'enter')),
      rule('vipopen1', { kind: 'group', name: 'invited' }, setOf('see', 'enter'), 0),
    ];
    await admin.evaluate((c) => window.parley!.session.dispatch({ type: 'acl-edit', roomId: 'vip', changes: c as never }), changes);
    await expect.poll(() => admin.evaluate(() => window.parley!.session.state.tree.pendingCount), { timeout: 20_000 }).toBe(0);
    expect(await admin.evaluate(() => window.parley!.session.state.tree.refused.length)).toBe(0);
    await admin.locator('parley-room-list').getByRole('button', { name: 'Actions for VIP', exact: true }).click();
    await admin.locator('parley-room-dialog').getByRole('button', { name: 'Invite to this room…' }).click();
    const dialog = admin.locator('parley-room-invite dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Invited people join the group').selectOption('invited');
    await dialog.getByLabel('Can be used').selectOption({ label: 'Once' });
    await dialog.getByRole('button', { name: 'Make invite link' }).click();
    const field = dialog.getByLabel('Invite link');
    await expect.poll(() => field.inputValue()).toMatch(/#room-invite=[A-Za-z0-9_-]+$/);
    link = (await field.inputValue()).replace('localhost', '127.0.0.1');
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('a guest opening the link signs in and lands in the hidden room; another guest has no trace of it', async () => {
    const other = await (await newProfile(browser)).newPage();
    await joinAs(other, relay.url, 'Otto');
    const invited = await (await newProfile(browser)).newPage();
    await joinAs(invited, link, 'Gwen');
    await expect.poll(() => roomOf(invited), { timeout: 10_000 }).toBe('vip');
    expect(await invited.evaluate(() => location.hash)).toBe('');
    await expect.poll(() => roomNames(invited)).toContain('vip');
    await expect.poll(() => admin.evaluate(() => window.parley!.session.state.users.find((u) => u.displayName === 'Gwen')?.roomId)).toBe('vip');
    expect(await roomNames(other)).not.toContain('vip');
    expect(await other.content()).not.toContain('VIP');
  });

  it('the spent link is refused in plain words and admits nobody', async () => {
    const late = await (await newProfile(browser)).newPage();
    await joinAs(late, link, 'Lars');
    await expect.poll(() => late.locator('parley-app [role="alert"]').first().textContent(), { timeout: 10_000 }).toContain('used as many times as allowed');
    expect(await roomOf(late)).not.toBe('vip');
    expect(await roomNames(late)).not.toContain('vip');
  });
});
