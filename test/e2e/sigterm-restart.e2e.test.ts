/**
 * A restart as a service manager does it, with two real browsers talking:
 * SIGTERM to the relay process while A's tone plays to B in "Quiet room";
 * both pages say "Relay restarting…"; a new relay process on the same port
 * and data folder comes up; both pages reconnect by themselves, land in
 * Quiet room again (the relay remembered it) with voice, and B hears A's
 * tone again. Prints how long after the new process printed its URL both
 * were back (the goal: within 5 s; deadlines here only fail a hang).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile, recordOutput } from './browser.ts';
import { freePort, startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';
import { sine, writeWav } from '../helpers/wav.ts';
import { peakHz } from '../helpers/tone-analysis.ts';

const TONE_HZ = 440;

describe('SIGTERM restart with two browsers talking', () => {
  let dir: string;
  let dataDir: string;
  let port: number;
  let relay: RelayProcess | undefined;
  let browsers: Browser[] = [];
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-restart-'));
    dataDir = mkdtempSync(join(tmpdir(), 'parley-restart-data-'));
    const tone = writeWav(join(dir, 'tone.wav'), sine(TONE_HZ, 10, 0.5));
    const silence = writeWav(join(dir, 'silence.wav'), new Float32Array(48_000 * 10));
    port = await freePort();
    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    browsers = await Promise.all([launchBrowser(tone), launchBrowser(silence)]);
    a = await (await newProfile(browsers[0]!)).newPage();
    b = await (await newProfile(browsers[1]!)).newPage();
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
    for (const page of [a, b]) {
      await page.locator('parley-room-list [data-room-id="quiet"] .room-button').click();
      await page.waitForFunction(() => window.parley!.session.state.roomId === 'quiet');
    }
  });

  afterAll(async () => {
    await Promise.all(browsers.map((x) => x.close()));
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says "Relay restarting…", comes back to the same room with voice on the next process, and B hears A again', async () => {
    expect(peakHz(await recordOutput(b, 1500))).toBe(TONE_HZ);

    await relay!.stop('SIGTERM');
    expect(relay!.output()).toMatch(/SIGTERM received, closing/);
    for (const page of [a, b]) {
      await page.waitForFunction(() => window.parley!.session.state.connection.error?.code === 'relay-restarting');
      await expect.poll(() => page.locator('body').evaluate(() => document.body.innerText + [...document.querySelectorAll('*')].map((e) => e.shadowRoot?.textContent ?? '').join(' '))).toContain('Relay restarting…');
    }

    relay = await startRelayProcess(['--port', String(port)], { dataDir });
    const upAt = Date.now();
    const back = (page: Page) =>
      page.waitForFunction(
        () => {
          const s = window.parley!.session.state;
          return s.connection.status === 'connected' && s.roomId === 'quiet' && s.voice.status === 'ready';
        },
        undefined,
        { timeout: 60_000 },
      );
    await Promise.all([back(a), back(b)]).catch(async (e: unknown) => {
      const states = await Promise.all([a, b].map((p) => p.evaluate(() => { const s = window.parley!.session.state; return JSON.stringify({ c: s.connection, room: s.roomId, voice: s.voice }); })));
      throw new Error(`not back: ${states.join(' | ')}`, { cause: e });
    });
    console.info(`both users back in their room with voice ${Date.now() - upAt} ms after the new relay printed its URL`);

    await expect.poll(async () => peakHz(await recordOutput(b, 1500)), { timeout: 30_000 }).toBe(TONE_HZ);
  });
});
