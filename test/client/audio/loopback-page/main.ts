/**
 * Loopback page for test/e2e/audio-loopback.e2e.test.ts: the engine's own uplink
 * datagrams are wrapped as downlink (as the relay would) and fed back into
 * `receive()`, so the page plays its own microphone through the full
 * capture → Opus → jitter buffer → decode → mix path.
 */
import { createAudioEngine } from '../../../../client/audio/index.ts';
import { forwardVoice } from '../../../../proto/datagram.ts';

/** What one loopback run observed. */
export interface LoopbackResult {
  readonly voiceDatagrams: number;
  readonly keepalives: number;
  readonly uplinkBytes: number;
  readonly talking: Array<{ atMs: number; state: Array<[number, boolean]> }>;
  readonly levels: Array<[number, boolean]>;
  readonly errors: string[];
  readonly stats: unknown;
  readonly samples: number[];
  readonly recordStartMs: number;
}

/** Waits out a measurement window (how long to play or record), never a synchronisation. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // waits on purpose: a measurement window

async function runLoopback(opts: { warmupMs: number; recordMs: number; lossEvery?: number }): Promise<LoopbackResult> {
  const engine = createAudioEngine();
  const t0 = performance.now();
  const result = {
    voiceDatagrams: 0,
    keepalives: 0,
    uplinkBytes: 0,
    talking: [] as LoopbackResult['talking'],
    levels: [] as LoopbackResult['levels'],
    errors: [] as string[],
  };
  let n = 0;
  engine.on('datagram', (bytes) => {
    result.uplinkBytes += bytes.byteLength;
    if (bytes[0] !== 1) {
      result.keepalives++;
      return;
    }
    result.voiceDatagrams++;
    if (opts.lossEvery && ++n % opts.lossEvery === 0) return;
    engine.receive(forwardVoice(bytes, 42, 7));
  });
  engine.on('talking', (m) => result.talking.push({ atMs: performance.now() - t0, state: [...m] }));
  engine.on('inputLevel', (level, tx) => result.levels.push([level, tx]));
  engine.on('error', (e) => result.errors.push(`${e.code}: ${e.message}`));
  await engine.start();
  engine.setRoom(7);
  engine.setTransmitting(true);
  await sleep(opts.warmupMs); // waits on purpose: the warm-up window the caller asked for
  const recordStartMs = performance.now() - t0;
  const samples = await engine.recordOutput(opts.recordMs);
  const stats = await engine.getStats();
  // Close only once the gate has shut (an event, not a sleep): the worklet reports it with its next level.
  const shut = new Promise<void>((resolve) => {
    const off = engine.on('inputLevel', (_level, transmitting) => {
      if (!transmitting) {
        off();
        resolve();
      }
    });
  });
  engine.setTransmitting(false);
  await shut;
  await engine.close();
  return { ...result, levels: result.levels.slice(-20), stats, samples: Array.from(samples), recordStartMs };
}

/** Starts the engine where the microphone fails; playback and keep-alives must still run. */
async function runWithoutMicrophone(ms: number): Promise<{ errors: string[]; keepalives: number; voice: number; recorded: number }> {
  const engine = createAudioEngine();
  const errors: string[] = [];
  let keepalives = 0;
  let voice = 0;
  engine.on('error', (e) => errors.push(e.code));
  engine.on('datagram', (b) => (b[0] === 0 ? keepalives++ : voice++));
  await engine.start();
  engine.setTransmitting(true);
  await sleep(ms); // waits on purpose: the recording window
  const recorded = (await engine.recordOutput(100)).length;
  await engine.close();
  return { errors, keepalives, voice, recorded };
}

Object.assign(globalThis, { runLoopback, runWithoutMicrophone });
