/**
 * Issue 12, findings 2 and 5 in real Chromium: an organisation whose roster
 * and room list together are far over the 64 KiB a browser accepts per
 * frame. 700 people are signed in (names at the 32-character maximum, 64
 * bytes of UTF-8 each) and an admin made 150 rooms with 500-character
 * descriptions; then a new browser signs in. Before paging, AuthOk carried
 * all of it (~170 KB), the browser dropped it as too large and stayed on
 * "Connecting…"; now it must show every room and every person.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseInviteFragment } from '../../proto/index.ts';
import type { OpIntent } from '../../crdt/index.ts';
import { connectClient } from '../helpers/relay-client.ts';
import type { TestClient } from '../helpers/relay-client.ts';
import { OpClient } from '../helpers/ops.ts';
import { launchBrowser, newProfile } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';

const PEOPLE = 700;
const ROOMS = 150;
/** 32 characters (the relay's maximum), 2 bytes each in UTF-8. */
const longName = (i: number): string => `${'é'.repeat(26)}${String(i).padStart(6, '0')}`.replace(/\d/g, (d) => 'àáâãäåæçèê'[Number(d)]!);

describe('a browser signs in to a large organisation', () => {
  let relay: RelayProcess;
  let browser: Browser;
  const people: TestClient[] = [];

  beforeAll(async () => {
    // All 700 people connect from 127.0.0.1: lift the per-address connection cap.
    relay = await startRelayProcess(['--guests', 'allow', '--max-connections-per-address', '10000']);
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(people.map((p) => p.close().catch(() => {})));
    await browser?.close();
    await relay?.stop();
  });

  it(`shows all ${ROOMS} rooms with long descriptions and all ${PEOPLE} people`, async () => {
    await expect.poll(() => relay.output(), { timeout: 10_000 }).toMatch(/#invite=/);
    const link = /(http:\/\/\S+#invite=\S+)/.exec(relay.output())![1]!;
    const invite = parseInviteFragment(new URL(link).hash);
    if (!invite?.ok) throw new Error('no bootstrap invite');
    const wsUrl = relay.url.replace(/^http/, 'ws').replace(/\/?$/, '/ws');

    const admin = new OpClient(await connectClient(wsUrl, { name: 'Admin', invite: invite.value }));
    people.push(admin.client);
    const creates: OpIntent[] = Array.from({ length: ROOMS }, (_, i) => ({
      kind: 'room.create',
      args: { roomId: `room-${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: `${i} ${'d'.repeat(500)}`.slice(0, 500), userLimit: 0 },
    }));
    for (let i = 0; i < creates.length; i += 50) {
      const results = await admin.submit(creates.slice(i, i + 50).map((c) => admin.sign(c)), 30_000);
      expect(results.map((r) => r.code)).toEqual(results.map(() => 0));
    }

    for (let i = 1; i < PEOPLE; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, PEOPLE - i) }, (_, k) => connectClient(wsUrl, { name: longName(i + k), lean: true, timeoutMs: 30_000 })),
      );
      people.push(...batch);
    }

    const page: Page = await (await newProfile(browser)).newPage();
    const dropped: string[] = [];
    page.on('console', (m) => {
      if (m.text().includes('dropped relay frame')) dropped.push(m.text());
    });
    await page.goto(relay.url);
    await page.locator('parley-connect-form #name').fill('Newcomer');
    await page.locator('parley-connect-form button[type="submit"]').click();
    // Everything shown: the root, the seeded Lobby and Quiet room, the admin's rooms, and every person plus the newcomer.
    await expect.poll(() => page.locator('parley-room-list li.room').count(), { timeout: 30_000 }).toBe(ROOMS + 3);
    await expect.poll(() => page.locator('parley-room-list li.user').count(), { timeout: 30_000 }).toBe(PEOPLE + 1);
    expect(await page.locator('parley-room-list li.room .desc').first().textContent()).toContain('d'.repeat(100));
    expect(dropped).toEqual([]);
  }, 240_000);
});
