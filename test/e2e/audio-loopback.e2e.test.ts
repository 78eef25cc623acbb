/**
 * The audio engine alone in real headless Chromium, no relay: the page
 * (test/client/audio/loopback-page, served by a Vite dev server on port 0) wraps
 * its own uplink datagrams as downlink with forwardVoice, exactly as the
 * relay would, and feeds them back into receive(). So the fake
 * microphone's tone travels the whole path: getUserMedia → capture
 * worklet → Opus → datagram → jitter buffer → Opus decode with FEC/PLC →
 * mixer → limiter → output, and recordOutput() tells us what was played.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { createServer } from 'vite';
import type { ViteDevServer } from 'vite';
import { CHROMIUM_PATH, launchBrowser } from './browser.ts';
import { sine, writeWav } from '../helpers/wav.ts';
import { peakHz, rms, toneDominance } from '../helpers/tone-analysis.ts';
import type { LoopbackResult } from '../client/audio/loopback-page/main.ts';

const TONE_HZ = 1000;
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pageRoot = join(repo, 'test/client/audio/loopback-page');

interface PageApi {
  runLoopback(o: { warmupMs: number; recordMs: number; lossEvery?: number }): Promise<LoopbackResult>;
  runWithoutMicrophone(ms: number): Promise<{ errors: string[]; keepalives: number; voice: number; recorded: number }>;
}

interface SenderStats {
  played: number;
  lost: number;
  fecRecovered: number;
  concealed: number;
  targetMs: number;
  decodeCalls: number;
  decodeMs: number;
}
interface Stats {
  capture: { encoded: number; encodeErrors: number; encodeMs: number; voiceSent: number };
  playback: { frames: number; mixMs: number; senders: SenderStats[] };
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[loopback page]', e));
  await page.goto(url);
  await page.waitForFunction(() => 'runLoopback' in globalThis);
  return page;
}

function loopback(page: Page, o: { warmupMs: number; recordMs: number; lossEvery?: number }): Promise<LoopbackResult> {
  return page.evaluate((opts) => (globalThis as unknown as PageApi).runLoopback(opts), o);
}

describe('audio engine loopback in Chromium', () => {
  let server: ViteDevServer;
  let url: string;
  let toneBrowser: Browser;
  let wavDir: string;

  beforeAll(async () => {
    wavDir = mkdtempSync(join(tmpdir(), 'parley-loopback-'));
    const wav = writeWav(join(wavDir, 'tone.wav'), sine(TONE_HZ, 10, 0.5));
    server = await createServer({ configFile: false, root: pageRoot, logLevel: 'warn', server: { port: 0, fs: { allow: [repo] } } });
    await server.listen();
    url = server.resolvedUrls!.local[0]!;
    toneBrowser = await launchBrowser(wav);
  });

  afterAll(async () => {
    await toneBrowser?.close();
    await server?.close();
    rmSync(wavDir, { recursive: true, force: true });
  });

  it('plays its own microphone tone back and reports the sender talking', async () => {
    const page = await openPage(toneBrowser, url);
    const r = await loopback(page, { warmupMs: 1500, recordMs: 3000 });
    await page.close();
    const heard = Float32Array.from(r.samples);
    expect(r.errors).toEqual([]);
    expect(heard).toHaveLength(144_000);
    expect(peakHz(heard)).toBe(TONE_HZ);
    expect(toneDominance(heard, TONE_HZ)).toBeGreaterThan(0.4); // 0.5 is a pure tone
    expect(rms(heard)).toBeGreaterThan(0.01);
    expect(r.talking.some((t) => t.state.some(([id, on]) => id === 42 && on))).toBe(true);
    expect(r.voiceDatagrams).toBeGreaterThan(200); // 50 per second while transmitting
    const stats = r.stats as Stats;
    const sender = stats.playback.senders[0]!;
    expect(stats.capture.encodeErrors).toBe(0);
    // Nothing is dropped on this path; a frame can only be lost by arriving
    // after its slot, which happens when other processes starve this one of
    // CPU. Loss rates belong to the voice benchmark; here it only has to stay
    // well below what would make the tone unrecognisable.
    expect(sender.played).toBeGreaterThan(100);
    expect(sender.lost).toBeLessThan(sender.played * 0.1);
    // The jitter target follows the arrival jitter, which a busy machine makes
    // large; only its clamp is an invariant here (the settled target is
    // reported by the worklet-cost case below and measured by bench:voice).
    expect(sender.targetMs).toBeLessThanOrEqual(200);
  });

  it('rebuilds every 10th dropped datagram from the next one with in-band FEC', async () => {
    const page = await openPage(toneBrowser, url);
    const r = await loopback(page, { warmupMs: 1500, recordMs: 3000, lossEvery: 10 });
    await page.close();
    const heard = Float32Array.from(r.samples);
    const sender = (r.stats as Stats).playback.senders[0]!;
    expect(sender.lost).toBeGreaterThan(15);
    // Isolated losses: when the next packet is in hand FEC rebuilds the frame.
    // How often it is in hand depends on how starved of CPU this machine is
    // (a busy CI box delivered half the "next" packets after their slot, and
    // those frames were concealed by PLC instead), so the share recovered is
    // measured by bench:voice, not asserted here: this case shows FEC is used
    // for dropped datagrams and that the tone survives.
    expect(sender.fecRecovered).toBeGreaterThan(0);
    expect(sender.fecRecovered).toBeLessThanOrEqual(sender.lost);
    expect(peakHz(heard)).toBe(TONE_HZ);
    expect(toneDominance(heard, TONE_HZ)).toBeGreaterThan(0.2);
  });

  it('reports worklet costs well inside the 2.7 ms render quantum', async () => {
    const page = await openPage(toneBrowser, url);
    const r = await loopback(page, { warmupMs: 5000, recordMs: 500 });
    await page.close();
    const { capture, playback } = r.stats as Stats;
    const s = playback.senders[0]!;
    const perFrame = {
      encodeMs: capture.encodeMs / capture.encoded,
      decodeMs: s.decodeMs / s.decodeCalls,
      mixFrameMs: playback.mixMs / playback.frames,
      targetMs: s.targetMs,
    };
    console.log(JSON.stringify({ audioLoopbackPerFrame: perFrame }));
    expect(capture.encoded).toBeGreaterThan(200);
    expect(perFrame.encodeMs).toBeLessThan(2.5);
    expect(perFrame.mixFrameMs).toBeLessThan(2.5);
  });

  it('reports mic-permission-denied when the prompt is dismissed, and keeps the datagram path alive', async () => {
    // No --use-fake-ui-for-media-stream: headless Chromium dismisses the prompt.
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
    });
    try {
      const page = await openPage(browser, url);
      const r = await page.evaluate(() => (globalThis as unknown as PageApi).runWithoutMicrophone(2500));
      expect(r.errors).toEqual(['mic-permission-denied']);
      expect(r.keepalives).toBeGreaterThanOrEqual(1);
      expect(r.voice).toBe(0);
      expect(r.recorded).toBe(4800); // playback still runs
    } finally {
      await browser.close();
    }
  });

  it('reports mic-unavailable when there is no capture device', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
    });
    try {
      const page = await openPage(browser, url);
      const r = await page.evaluate(() => (globalThis as unknown as PageApi).runWithoutMicrophone(500));
      expect(r.errors).toEqual(['mic-unavailable']);
      expect(r.recorded).toBe(4800);
    } finally {
      await browser.close();
    }
  });
});
