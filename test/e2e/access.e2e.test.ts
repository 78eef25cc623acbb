/**
 * Identity and access end to end: a real relay process, two Chromium
 * profiles. The first claims admin through the printed bootstrap link, makes
 * an invite link in the admin panel, the second joins with it as a member
 * and is banned from the panel. Then the relay is replaced on the same
 * address with a new key: the first browser refuses to connect until its
 * user explicitly trusts the new key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { freePort, startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';


async function bootstrapLink(relay: RelayProcess): Promise<string> {
  await expect.poll(() => relay.output(), { timeout: 10_000 }).toMatch(/#invite=/);
  return /(http:\/\/\S+#invite=\S+)/.exec(relay.output())![1]!.replace('localhost', '127.0.0.1');
}

const state = (page: Page) =>
  page.evaluate(() => {
    const s = window.parley!.session.state;
    return { status: s.connection.status, error: s.connection.error?.code ?? null, role: s.role, users: s.users.map((u) => u.displayName) };
  });

describe('roles, invites and bans in the browser', () => {
  let browser: Browser;
  let relay: RelayProcess;
  let port: number;
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    port = await freePort();
    relay = await startRelayProcess(['--port', String(port)]);
    browser = await launchBrowser();
    alice = await (await newProfile(browser)).newPage();
    bob = await (await newProfile(browser)).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it('the bootstrap link makes the first user admin and leaves the address bar', async () => {
    const link = await bootstrapLink(relay);
    await alice.goto(link);
    await expect.poll(() => alice.locator('parley-connect-form .invite').textContent()).toContain('invited as admin');
    expect(await alice.evaluate(() => location.hash)).toBe('');
    await joinAs(alice, alice.url(), 'Alice');
    expect((await state(alice)).role).toBe('admin');
  });

  it('an invite link made in the admin panel lets a second browser in as a member', async () => {
    await alice.getByRole('button', { name: 'Admin' }).click();
    const panel = alice.locator('parley-admin-panel');
    await panel.locator('#invite-uses').fill('1');
    await panel.getByRole('button', { name: 'Create invite link' }).click();
    await expect.poll(() => panel.locator('#invite-link').inputValue()).toMatch(/#invite=[A-Za-z0-9_-]{211}$/);
    const link = await panel.locator('#invite-link').inputValue();
    // The bootstrap invite is listed too (used up); ours is the member one.
    const ours = panel.locator('[data-invite-id]', { hasText: 'member' }).locator('.state');
    await expect.poll(() => ours.textContent()).toBe('active');

    await bob.goto(link.replace('localhost', '127.0.0.1'));
    await joinAs(bob, bob.url(), 'Bob');
    expect((await state(bob)).role).toBe('member');
    await expect.poll(async () => (await state(alice)).users).toContain('Bob');
    await expect.poll(() => ours.textContent()).toBe('used up');
  });

  it('a ban from the admin panel sends the member back to the sign-in form with the reason', async () => {
    const panel = alice.locator('parley-admin-panel');
    const bobRow = panel.locator('li[data-session-id]', { hasText: 'Bob' });
    await bobRow.getByLabel('Reason (optional)').fill('spamming the lobby');
    await bobRow.getByRole('button', { name: 'Ban Bob' }).click();
    const alert = bob.locator('parley-connect-form [role="alert"]');
    await expect.poll(() => alert.textContent(), { timeout: 10_000 }).toContain('banned');
    expect(await alert.textContent()).toContain('spamming the lobby');
    await expect.poll(() => panel.locator('ul[aria-label="Bans"] li').count()).toBe(1);
    expect((await state(alice)).status).toBe('connected');
  });

  it('a relay with a new key on the same address is refused until the user accepts it', async () => {
    await relay.stop();
    relay = await startRelayProcess(['--port', String(port)]);
    const warning = alice.locator('parley-relay-key-warning');
    await warning.waitFor({ timeout: 30_000 });
    await expect.poll(() => warning.getByRole('alertdialog').textContent()).toContain('different identity key');
    expect((await state(alice)).error).toBe('relay-key-changed');
    await warning.getByRole('button', { name: 'Don’t connect' }).click();
    await expect.poll(() => alice.locator('parley-connect-form [role="alert"]').textContent()).toContain('identity key changed');

    await alice.locator('parley-connect-form button[type="submit"]').click();
    await warning.waitFor();
    await warning.getByRole('button', { name: 'Trust the new key and connect' }).click();
    await expect.poll(async () => (await state(alice)).status, { timeout: 30_000 }).toBe('connected');
    // A fresh relay without admins lets everyone in as a guest.
    expect((await state(alice)).role).toBe('guest');
  });
});
