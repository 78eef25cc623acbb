/**
 * Voice benchmark: two real headless Chromium clients talk through a real
 * relay process; A's fake microphone plays generated speech. For each
 * network condition (injected on A's outgoing path by the session's network
 * simulator, as the developer panel does) it records 30 s of what enters
 * A's capture worklet and what leaves B's playback worklet, both timed on
 * the machine's shared wall clock, and reports mouth-to-ear delay
 * (cross-correlation) and STOI. Then it measures Chromium's own WebRTC
 * audio (an RTCPeerConnection audio track between the same two pages) the
 * same way, as the baseline.
 *
 *   npm run bench:voice -- --json [--seconds 30]
 *
 * Prints one JSON object on stdout (progress goes to stderr). Needs
 * espeak-ng and sox (Debian packages), Chromium at /usr/bin/chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { joinAs, launchBrowser, newProfile } from '../../test/e2e/browser.ts';
import { startRelayProcess } from '../../test/e2e/relay-process.ts';
import { encodeWav, writeWav } from '../../test/helpers/wav.ts';
import { analyzeTake } from './analysis.ts';
import type { Take, TakeResult } from './analysis.ts';
import {
  BASELINE_ACCEPT,
  BASELINE_ANSWER,
  BASELINE_OFFER,
  BASELINE_RECORD,
  BASELINE_SETUP,
  BASELINE_STATS,
  RECORD_PARLEY,
  WALL_CLOCK,
} from './page-scripts.ts';
import { makeSpeech } from './speech-signal.ts';

interface Recorded {
  readonly b64: string;
  readonly contextMs: number;
  readonly wallMs: number | null;
  /** Parley takes: wall-clock time the recording took (vs its audio duration). */
  readonly wallSpanMs?: number;
}

interface Condition {
  readonly name: string;
  readonly lossPct: number;
  readonly delayMs: number;
  readonly jitterMs: number;
}

const CONDITIONS: readonly Condition[] = [
  { name: 'loss0', lossPct: 0, delayMs: 0, jitterMs: 0 },
  { name: 'loss10', lossPct: 10, delayMs: 0, jitterMs: 0 },
  { name: 'loss20', lossPct: 20, delayMs: 0, jitterMs: 0 },
  { name: 'jitter40', lossPct: 0, delayMs: 40, jitterMs: 15 },
];

const log = (msg: string): void => void process.stderr.write(`[bench:voice] ${msg}\n`);

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function decode(r: Recorded): Float32Array {
  const buf = Buffer.from(r.b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Page wall clock minus this process's, ms: the smallest-round-trip estimate of 9. */
async function clockOffset(page: Page): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 9; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const pageNow = await page.evaluate<number>(`(${WALL_CLOCK})()`);
    const t1 = performance.timeOrigin + performance.now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: pageNow - (t0 + t1) / 2 };
  }
  return best.offset;
}

function evalFn<T>(page: Page, src: string, arg?: unknown): Promise<T> {
  return page.evaluate<T>(`(${src})(${arg === undefined ? '' : JSON.stringify(arg)})`);
}

/** Records both taps at once; `skewMs` (B's clock minus A's) is taken out of B's start time. */
async function parleyTake(a: Page, b: Page, seconds: number, skewMs: number): Promise<Take & { slipMs: { a: number; b: number } }> {
  const [input, output] = await Promise.all([
    evalFn<Recorded>(a, RECORD_PARLEY, { tap: 'input', ms: seconds * 1000 }),
    evalFn<Recorded>(b, RECORD_PARLEY, { tap: 'output', ms: seconds * 1000 + 1500 }),
  ]);
  if (input.wallMs === null || output.wallMs === null) throw new Error('engine has no clock mapping yet');
  return {
    input: decode(input),
    inputWallMs: input.wallMs,
    output: decode(output),
    outputWallMs: output.wallMs - skewMs,
    // How far each page's audio clock fell behind the wall clock during the take (≈ 0 when rendering keeps up).
    slipMs: { a: Math.round((input.wallSpanMs ?? 0) - seconds * 1000), b: Math.round((output.wallSpanMs ?? 0) - seconds * 1000 - 1500) },
  };
}

async function main(): Promise<void> {
  const seconds = argValue('--seconds', 30);
  // Other work on the machine shows up as jitter; the numbers are only comparable at a low load.
  const loadStart = loadavg().map((v) => Number(v.toFixed(2)));
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-voice-'));
  const speech = makeSpeech(dir, 60, encodeWav);
  const silence = writeWav(join(dir, 'silence.wav'), new Float32Array(48_000 * 5));
  const relay = await startRelayProcess();
  const browsers = await Promise.all([launchBrowser(speech.path), launchBrowser(silence)]);
  const cleanup = async () => {
    await Promise.all(browsers.map((br) => br.close()));
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const a = await (await newProfile(browsers[0])).newPage();
    const b = await (await newProfile(browsers[1])).newPage();
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
    await a.evaluate(() => window.parley!.session.dispatch({ type: 'set-transmit-mode', mode: 'continuous' }));
    const aId = await a.evaluate(() => window.parley!.session.state.selfSessionId!);
    await b.waitForFunction((id) => window.parley!.session.state.talking.has(id), aId, { timeout: 30_000 });
    // Both pages and this process read the same system clock; measure rather than assume.
    const skewMs = (await clockOffset(b)) - (await clockOffset(a));
    log(`page clock skew B-A ${skewMs.toFixed(2)} ms`);

    const parley: Record<string, unknown> = {};
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',') : null;
    for (const c of CONDITIONS.filter((x) => !only || only.includes(x.name))) {
      const config = { lossPct: c.lossPct, delayMs: c.delayMs, jitterMs: c.jitterMs, seed: 20261120 };
      await a.evaluate((cfg) => window.parley!.session.dispatch({ type: 'set-network-sim', config: cfg }), config);
      // Let the jitter buffer adapt and B's loss reports reach A's encoder (every 2 s).
      await a.waitForTimeout(6000);
      const before = await Promise.all([a.evaluate(() => window.parley!.audio!.getStats()), b.evaluate(() => window.parley!.audio!.getStats())]);
      const t0 = performance.now();
      log(`${c.name}: recording ${seconds} s`);
      const recorded = await parleyTake(a, b, seconds, skewMs);
      const after = await Promise.all([a.evaluate(() => window.parley!.audio!.getStats()), b.evaluate(() => window.parley!.audio!.getStats())]);
      const elapsedS = (performance.now() - t0) / 1000;
      const take = analyzeTake(recorded);
      const sb = after[1].playback.senders.find((s) => s.sender === aId);
      const s0 = before[1].playback.senders.find((s) => s.sender === aId);
      const d = (k: 'played' | 'lost' | 'fecRecovered' | 'concealed' | 'late') => (sb?.[k] ?? 0) - (s0?.[k] ?? 0);
      const expectedLossPct = await a.evaluate(() => window.parley!.session.state.expectedLossPct);
      parley[c.name] = {
        ...c,
        ...take,
        expectedLossPct,
        uplinkKbps: Number((((after[0].capture.bytesSent - before[0].capture.bytesSent) * 8) / 1000 / elapsedS).toFixed(1)),
        jitterTargetMs: sb?.targetMs ?? null,
        framesPlayed: d('played'),
        lost: d('lost'),
        fecRecovered: d('fecRecovered'),
        concealed: d('concealed'),
        late: d('late'),
        outputLatencyMs: after[1].outputLatency * 1000,
        audioClockSlipMs: recorded.slipMs,
        encodeMsPerFrame: Number(((after[0].capture.encodeMs - before[0].capture.encodeMs) / Math.max(1, after[0].capture.encoded - before[0].capture.encoded)).toFixed(3)),
        playbackMsPer20ms: Number(((after[1].playback.mixMs - before[1].playback.mixMs) / Math.max(1, after[1].playback.frames - before[1].playback.frames)).toFixed(3)),
      };
      log(`${c.name}: ${JSON.stringify(parley[c.name])}`);
    }
    const outputLatencyMs = (await b.evaluate(() => window.parley!.audio!.getStats())).outputLatency * 1000;
    await Promise.all([a, b].map((p) => p.evaluate(() => window.parley!.session.dispatch({ type: 'disconnect' }))));

    let baseline: Record<string, unknown> | null = null;
    if (!only || only.includes('webrtc')) {
      log('webrtc baseline: connecting');
      await evalFn(a, BASELINE_SETUP, 'a');
      await evalFn(b, BASELINE_SETUP, 'b');
      const offer = await evalFn<string>(a, BASELINE_OFFER);
      const answer = await evalFn<string>(b, BASELINE_ANSWER, offer);
      await evalFn(a, BASELINE_ACCEPT, answer);
      await b.waitForFunction('window.__bench.heard === true', undefined, { timeout: 30_000 });
      await a.waitForTimeout(6000);
      log(`webrtc baseline: recording ${seconds} s`);
      const [bi, bo] = await Promise.all([evalFn<Recorded>(a, BASELINE_RECORD, seconds * 1000), evalFn<Recorded>(b, BASELINE_RECORD, seconds * 1000 + 1500)]);
      baseline = {
        ...analyzeTake({ input: decode(bi), inputWallMs: bi.wallMs!, output: decode(bo), outputWallMs: bo.wallMs! - skewMs }),
        ...(await evalFn<Record<string, unknown>>(b, BASELINE_STATS)),
      };
      log(`webrtc: ${JSON.stringify(baseline)}`);
    }
    const p = parley as Record<string, TakeResult>;
    const result = {
      bench: 'voice',
      seconds,
      loadAverage: { start: loadStart, end: loadavg().map((v) => Number(v.toFixed(2))) },
      mouthToEarP50Ms: p.loss0?.mouthToEarP50Ms,
      mouthToEarP95Ms: p.loss0?.mouthToEarP95Ms,
      jitter40msP95Ms: p.jitter40?.mouthToEarP95Ms,
      quality: {
        metric: 'STOI (0..1), B output vs A input, FEC on',
        loss0: p.loss0?.stoi,
        loss10: p.loss10?.stoi,
        loss20: p.loss20?.stoi,
        loss10RelativeToLossless: p.loss10 && p.loss0 ? Number((p.loss10.stoi / p.loss0.stoi).toFixed(4)) : null,
      },
      outputDeviceLatencyMs: outputLatencyMs,
      pageClockSkewMs: Number(skewMs.toFixed(2)),
      conditions: parley,
      webrtcBaseline: baseline,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
