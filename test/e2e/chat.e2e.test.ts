/**
 * Chat end to end: a real relay process, two Chromium profiles. A message
 * typed at one appears at the other; what users type as HTML or
 * `javascript:` links stays inert text (no script runs); a message typed
 * while the relay is down is shown pending, survives a reload, and is sent
 * once the relay is back, with the history from before the restart intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';
import { freePort } from '../helpers/free-port.ts';


/** Generous: other test processes may share the two cores. */
const POLL = { timeout: 15_000 };
const panel = (p: Page) => p.locator('parley-chat-panel');
const messageTexts = (p: Page) => panel(p).locator('.msg:not(.pending) .text').allTextContents();

async function send(p: Page, text: string): Promise<void> {
  const box = panel(p).locator('#compose');
  await box.fill(text);
  await box.press('Enter');
}

describe('chat between two browsers', () => {
  let relay: RelayProcess;
  let browser: Browser;
  let a: Page;
  let b: Page;
  let port: number;
  let dataDir: string;
  const dialogs: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-chat-e2e-'));
    port = await freePort();
    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    browser = await launchBrowser();
    a = await (await newProfile(browser)).newPage();
    b = await (await newProfile(browser)).newPage();
    for (const p of [a, b]) p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a message typed by A appears at B, verified, with author and time', async () => {
    await send(a, 'hello from Ana, can you hear me?');
    await expect.poll(() => messageTexts(b), POLL).toContain('hello from Ana, can you hear me?');
    const item = panel(b).locator('.msg', { hasText: 'hello from Ana' });
    await expect.poll(() => item.locator('.author').textContent(), POLL).toBe('Ana');
    expect(await item.locator('.author').getAttribute('title')).toMatch(/^Key fingerprint: [a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(await item.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await item.locator('.badge.warn').count()).toBe(0);
    // A's own copy is no longer pending.
    await expect.poll(() => panel(a).locator('.msg.pending').count(), POLL).toBe(0);
  });

  it('HTML and javascript: links typed as messages render as inert text, and no script runs', async () => {
    const hostile = [
      '<img src=x onerror="window.__xss=1;alert(1)">',
      'javascript:window.__xss=2;alert(2)',
      '<a href="javascript:window.__xss=3">click me</a> <script>window.__xss=4</script>',
      'docs at https://example.org/guide.',
    ];
    for (const t of hostile) await send(a, t);
    await expect.poll(() => messageTexts(b), POLL).toEqual(expect.arrayContaining(hostile));
    for (const p of [a, b]) {
      expect(await panel(p).locator('img').count()).toBe(0);
      expect(await panel(p).locator('script').count()).toBe(0);
      expect(await panel(p).locator('a[href^="javascript" i]').count()).toBe(0);
      const links = panel(p).locator('.text a');
      expect(await links.count()).toBe(1);
      expect(await links.getAttribute('href')).toBe('https://example.org/guide');
      expect(await links.getAttribute('rel')).toBe('noopener noreferrer');
    }
    // Clicking the javascript: text does nothing either.
    await panel(b).locator('.text', { hasText: 'javascript:window.__xss=2' }).click();
    expect(await a.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await b.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it('on a phone-width screen chat is a toggle; unread counts, a mention badge and the title show until B opens chat', async () => {
    await b.setViewportSize({ width: 390, height: 800 });
    const toggle = b.locator('parley-app .switch button', { hasText: 'Chat' });
    await b.locator('parley-app .switch button', { hasText: 'Rooms' }).click();
    await expect.poll(() => panel(b).isVisible(), POLL).toBe(false);
    expect(await b.locator('parley-room-list').isVisible()).toBe(true);
    const mentionsBefore = await b.evaluate(() => window.parley!.session.state.chat.mentionCount);
    await send(a, 'Bo, are you there?');
    await expect.poll(() => toggle.getAttribute('aria-label'), POLL).toBe('Chat, 1 unread');
    await expect.poll(() => b.locator('parley-room-list [data-room-id="lobby"] .unread.mention').textContent(), POLL).toBe('1');
    expect(await b.title()).toBe('(1) Parley');
    expect(await b.evaluate(() => window.parley!.session.state.chat.mentionCount)).toBe(mentionsBefore + 1);
    await toggle.click();
    await expect.poll(() => panel(b).isVisible(), POLL).toBe(true);
    await expect.poll(() => b.title(), POLL).toBe('Parley');
    expect(await b.locator('parley-room-list').isVisible()).toBe(false);
    expect(await messageTexts(b)).toContain('Bo, are you there?');
    await b.setViewportSize({ width: 1280, height: 720 });
  });

  it('a message typed while the relay is down is shown pending, survives a reload, and is sent after reconnecting', async () => {
    await relay.stop();
    await a.waitForFunction(() => window.parley!.session.state.connection.status === 'reconnecting');
    await send(a, 'typed while offline');
    await expect.poll(() => panel(a).locator('.msg.pending .text').allTextContents(), POLL).toEqual(['typed while offline']);
    await expect.poll(() => panel(a).locator('.msg.pending .badge').textContent(), POLL).toMatch(/Not sent yet/);

    // A gives up and closes the page; the relay comes back; A opens Parley again later.
    // (The relay serves the page, so a reload needs it up: the reload is what must not lose the message.)
    await a.locator('parley-app header button', { hasText: 'Disconnect' }).click();
    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    await a.reload();
    await a.waitForFunction(() => window.parley?.session != null);
    await a.evaluate(() => window.parley!.session.chatReady);
    const pending = await a.evaluate(() => [...window.parley!.session.state.chat.conversations.values()].flatMap((c) => c.pending.map((p) => p.text)));
    expect(pending).toEqual(['typed while offline']);
    await expect.poll(() => a.locator('parley-connect-form .unsent').textContent(), POLL).toMatch(/1 chat message you typed is waiting/);

    await joinAs(a, relay.url, 'Ana');
    await b.waitForFunction(() => window.parley!.session.state.connection.status === 'connected', undefined, { timeout: 30_000 });
    await expect.poll(() => messageTexts(b), POLL).toContain('typed while offline');
    // A sees it sent, after the history from before the restart.
    await expect.poll(() => messageTexts(a), POLL).toEqual(expect.arrayContaining(['hello from Ana, can you hear me?', 'typed while offline']));
    const texts = await messageTexts(a);
    expect(texts.indexOf('hello from Ana, can you hear me?')).toBeLessThan(texts.indexOf('typed while offline'));
    expect(await panel(a).locator('.msg.pending').count()).toBe(0);
    expect(texts.filter((t) => t === 'typed while offline')).toHaveLength(1);
  });
});
