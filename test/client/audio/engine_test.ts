/// <reference types="mocha" />
/**
 * The engine's public API in real Chromium (web-test-runner, fake
 * microphone): lifecycle, events, receive/record, errors. The worklet is
 * served as TypeScript by the test server, hence `workletUrl`.
 */
import { assert } from 'chai';
import { createAudioEngine } from '../../../client/audio/index.ts';
import type { AudioEngineDeps, AudioEngineError, AudioEngineEvents, ParleyAudioEngine } from '../../../client/audio/index.ts';
import { decodeUplink, forwardVoice, VoiceFlags } from '../../../proto/datagram.ts';

const workletUrl = new URL('../../../client/audio/audio.worklet.ts', import.meta.url).href;
const engines: ParleyAudioEngine[] = [];

function engine(deps: AudioEngineDeps = {}): ParleyAudioEngine {
  const e = createAudioEngine({ workletUrl, ...deps });
  engines.push(e);
  return e;
}

/** Resolves with the first event of `name` whose args satisfy `match`; rejects after `ms`. */
function nextEvent<K extends keyof AudioEngineEvents>(
  e: ParleyAudioEngine,
  name: K,
  match: (...args: Parameters<AudioEngineEvents[K]>) => boolean = () => true,
  ms = 5000,
): Promise<Parameters<AudioEngineEvents[K]>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${String(name)} event within ${ms} ms`));
    }, ms);
    const listener = ((...args: Parameters<AudioEngineEvents[K]>) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    }) as AudioEngineEvents[K];
    const off = e.on(name, listener);
  });
}

const energy = (x: Float32Array) => x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length);

suite('createAudioEngine', () => {
  teardown(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  test('sends a keep-alive at once, then voice with Marker while transmitting and End when stopping', async () => {
    const e = engine();
    const keepalive = nextEvent(e, 'datagram', (b) => b.byteLength === 1);
    await e.start();
    await keepalive;
    e.setTransmitting(true);
    const [first] = await nextEvent(e, 'datagram', (b) => b[0] === 1);
    const voice = decodeUplink(first);
    assert.isTrue(voice.ok && voice.value.kind === 'voice' && (voice.value.flags & VoiceFlags.Marker) !== 0);
    const end = nextEvent(e, 'datagram', (b) => {
      const v = decodeUplink(b);
      return v.ok && v.value.kind === 'voice' && (v.value.flags & VoiceFlags.End) !== 0;
    });
    e.setTransmitting(false);
    await end;
  });

  test('reports the input level about ten times a second', async () => {
    const e = engine();
    const levels: number[] = [];
    e.on('inputLevel', (level) => levels.push(level));
    await e.start();
    await nextEvent(e, 'inputLevel', () => levels.length >= 10, 3000);
    assert.isTrue(levels.every((l) => l >= 0 && l <= 1));
  });

  test('plays received voice of the current room, reports it talking, and plays nothing when deafened', async () => {
    const e = engine();
    e.on('datagram', (b) => {
      if (b[0] === 1) e.receive(forwardVoice(b, 9, 3));
    });
    await e.start();
    e.setRoom(3);
    e.setTransmitting(true);
    await nextEvent(e, 'talking', (m) => m.get(9) === true);
    assert.isAbove(energy(await e.recordOutput(500)), 1e-5);
    e.setDeafened(true);
    await e.recordOutput(100); // let the deafen command land
    assert.equal(energy(await e.recordOutput(300)), 0);
  });

  test('drops voice stamped with another room', async () => {
    const e = engine();
    e.on('datagram', (b) => {
      if (b[0] === 1) e.receive(forwardVoice(b, 9, 4));
    });
    await e.start();
    e.setRoom(3);
    e.setTransmitting(true);
    await e.recordOutput(600);
    assert.equal(energy(await e.recordOutput(500)), 0);
    const stats = await e.getStats();
    assert.isAbove(stats.playback.wrongRoom, 10);
    assert.deepEqual(stats.playback.senders, []);
  });

  test('keeps playing when the microphone is refused and says why', async () => {
    const e = engine({ getUserMedia: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) });
    const error = nextEvent(e, 'error');
    await e.start();
    const [err] = await error;
    assert.equal((err as AudioEngineError).code, 'mic-permission-denied');
    assert.lengthOf(await e.recordOutput(50), 2400);
  });

  test('start() rejects with worklet-failed when the worklet cannot load', async () => {
    const e = engine({ workletUrl: 'data:text/javascript,throw new Error("broken worklet")' });
    const emitted = nextEvent(e, 'error');
    try {
      await e.start();
      assert.fail('start() resolved');
    } catch (err) {
      assert.equal((err as AudioEngineError).code, 'worklet-failed');
    }
    assert.equal(((await emitted)[0] as AudioEngineError).code, 'worklet-failed');
  });

  test('start() rejects with audio-context-failed when the context is not 48 kHz', async () => {
    const e = engine({ createContext: () => new AudioContext({ sampleRate: 44_100 }) });
    try {
      await e.start();
      assert.fail('start() resolved');
    } catch (err) {
      assert.equal((err as AudioEngineError).code, 'audio-context-failed');
    }
  });

  test('close() stops the microphone; later calls reject with InvalidStateError', async () => {
    let stream: MediaStream | undefined;
    const e = engine({ getUserMedia: async (c) => (stream = await navigator.mediaDevices.getUserMedia(c)) });
    await e.start();
    await e.close();
    await e.close(); // idempotent
    assert.equal(stream!.getAudioTracks()[0]!.readyState, 'ended');
    try {
      await e.recordOutput(10);
      assert.fail('recordOutput() resolved');
    } catch (err) {
      assert.equal((err as DOMException).name, 'InvalidStateError');
    }
  });

  test('mic test plays the own voice locally and sends no voice to the relay', async () => {
    const e = engine();
    const sent: number[] = [];
    e.on('datagram', (b) => sent.push(b[0]!));
    await e.start();
    e.setRoom(3);
    e.setMicTest(true);
    e.configureGate({ mode: 'continuous' });
    await e.recordOutput(600);
    // Chromium's fake microphone beeps about once a second: a full second holds one beep.
    assert.isAbove(energy(await e.recordOutput(1100)), 1e-6);
    assert.notInclude(sent, 1);
    e.setMicTest(false);
    await nextEvent(e, 'datagram', (b) => b[0] === 1);
  });

  test('recordTimed gives the input and output taps with wall-clock start times', async () => {
    const e = engine();
    await e.start();
    e.configureGate({ mode: 'continuous' });
    await e.recordOutput(200); // worklet events have fed the clock mapping by now
    const before = performance.timeOrigin + performance.now();
    const [input, output] = await Promise.all([e.recordTimed('input', 1100), e.recordTimed('output', 300)]);
    assert.lengthOf(input.samples, 52_800);
    assert.isAbove(energy(input.samples), 1e-6); // Chromium's fake microphone beeps about once a second
    assert.lengthOf(output.samples, 14_400);
    for (const r of [input, output]) {
      assert.isNotNull(r.wallMs);
      assert.isAbove(r.wallMs!, before - 100);
      assert.isBelow(r.wallMs!, before + 300);
    }
  });

  test('input gain scales what enters the capture worklet', async () => {
    const e = engine();
    await e.start();
    await e.recordOutput(200);
    const loud = energy((await e.recordTimed('input', 1000)).samples);
    e.setInputGain(0);
    await e.recordOutput(50);
    assert.isAbove(loud, 1e-6);
    assert.equal(energy((await e.recordTimed('input', 300)).samples), 0);
  });
});
