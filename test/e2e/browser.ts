/**
 * Launches Debian's headless Chromium through playwright-core with the flags
 * that work as root on this kind of machine, optionally with a WAV file as
 * the fake microphone.
 */
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** Starts a browser whose fake microphone plays `wavPath` in a loop (or Chromium's default beeps), with `extraArgs`. */
export function launchBrowser(wavPath?: string, extraArgs: readonly string[] = []): Promise<Browser> {
  const args = [...BASE_ARGS, ...(wavPath ? [`--use-file-for-fake-audio-capture=${wavPath}`] : []), ...extraArgs];
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args });
}

/** A fresh profile (own IndexedDB, so its own identity) with mic permission granted. */
export async function newProfile(browser: Browser): Promise<BrowserContext> {
  const ctx = await browser.newContext();
  await ctx.grantPermissions(['microphone']);
  return ctx;
}

/** Timings of one sign-in, in ms. */
export interface JoinTimings {
  /** Navigation start -> the sign-in form is on screen. */
  readonly loadToFormMs: number;
  /** Click on Connect -> in Lobby with voice ready (authenticated, mic running, DataChannel open). */
  readonly clickToVoiceReadyMs: number;
}

/** Opens the app, signs in with `name`, and waits until voice is ready. */
export async function joinAs(page: Page, url: string, name: string, password = ''): Promise<JoinTimings> {
  page.on('pageerror', (e) => console.error(`[${name}] pageerror`, e));
  await page.goto(url);
  await page.locator('parley-connect-form #name').waitFor();
  const loadToFormMs = await page.evaluate(() => performance.now());
  await page.locator('parley-connect-form #name').fill(name);
  if (password) await page.locator('parley-connect-form #password').fill(password);
  const clickAt = await page.evaluate(() => performance.now());
  await page.locator('parley-connect-form button[type="submit"]').click();
  await page.waitForFunction(() => window.parley?.voiceReadyAt != null, undefined, { timeout: 30_000 });
  const readyAt = await page.evaluate(() => window.parley!.voiceReadyAt!);
  return { loadToFormMs, clickToVoiceReadyMs: readyAt - clickAt };
}

/** Records what the page's audio output actually played for `ms`. */
export async function recordOutput(page: Page, ms: number): Promise<Float32Array> {
  const samples = await page.evaluate(async (duration) => Array.from(await window.parley!.audio!.recordOutput(duration)), ms);
  return Float32Array.from(samples);
}

/** The page's session state, reduced to what tests compare. */
export function sessionSnapshot(page: Page) {
  return page.evaluate(() => {
    const s = window.parley!.session.state;
    return {
      status: s.connection.status,
      selfSessionId: s.selfSessionId,
      roomId: s.roomId,
      users: s.users.map((u) => ({ sessionId: u.sessionId, name: u.displayName, roomId: u.roomId, muted: u.muted })),
      talking: [...s.talking],
      voice: s.voice.status,
    };
  });
}
