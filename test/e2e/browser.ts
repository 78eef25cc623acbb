/**
 * Launches Debian's headless Chromium through playwright-core with the flags
 * that work as root on this kind of machine, with a WAV file as the fake
 * microphone: the test's own, or one second of silence.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { encodeWav } from '../helpers/wav.ts';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * A WAV file of one second of silence, written once per machine: written under a temporary name and renamed, so a test process
 * never reads another's half-written file.
 */
function silenceWav(): string {
  const path = join(tmpdir(), 'parley-e2e-silence-1s.wav');
  if (existsSync(path)) return path;
  const wav = encodeWav(new Float32Array(48_000));
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, wav);
  renameSync(partial, path);
  return path;
}

/**
 * Starts a browser whose fake microphone plays `wavPath` in a loop, with
 * `extraArgs`. Without a file the microphone is silent, not Chromium's
 * default beeps: a page that is not under test for voice then sends no voice
 * (its gate stays shut), so the other pages of a test do not spend the two
 * cores decoding and mixing beeps (a fourth page's sign-in took 4.4-7 s with
 * beeps and 1.2 s without, docs/BENCHMARKS.md).
 */
export function launchBrowser(wavPath?: string, extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: chromiumArgs(wavPath, extraArgs) });
}

/** The command-line flags {@link launchBrowser} starts Chromium with (for a persistent profile, `chromium.launchPersistentContext`). */
export function chromiumArgs(wavPath?: string, extraArgs: readonly string[] = []): string[] {
  return [...BASE_ARGS, `--use-file-for-fake-audio-capture=${wavPath ?? silenceWav()}`, ...extraArgs];
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
