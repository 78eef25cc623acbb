/**
 * Main-thread half of the audio engine: owns the AudioContext, the
 * microphone and the two worklet nodes, and shuttles bytes and events
 * between them and the session. All signal processing happens in the two
 * worklet processors (capture-processor.ts, playback-processor.ts, loaded
 * as one module, audio.worklet.ts); this file is wiring and lifecycle only.
 *
 * Graph: mic → MediaStreamSource → input gain → capture node (→ destination,
 *        silent, so the node is always pulled, even without a mic)
 *        playback node → destination (routed with setSinkId where chosen)
 *
 * Microphone test: voice datagrams from the capture node are wrapped as
 * downlink from MIC_TEST_SENDER and played locally instead of being sent, so
 * the user hears exactly what others would (gate, gain, Opus, jitter buffer).
 */
import { ContextClock } from './context-clock.ts';
import { TypedEmitter } from '../../proto/typed-emitter.ts';
import { InputChain } from './input-chain.ts';
import type { GetUserMedia } from './microphone.ts';
import { DEFAULT_EXPECTED_LOSS_PERCENT } from './capture-core.ts';
import { MicTestLoop } from './mic-test.ts';
import { routeOutput } from './output-device.ts';
import { DEFAULT_GATE } from './transmit-gate.ts';
import type { GateConfig } from './transmit-gate.ts';
import { AudioEngineError, MIC_TEST_SENDER } from './types.ts';
import type { AudioEngineEvents, AudioEngineStartOptions, TimedRecording } from './types.ts';
import type { AudioEngineDeps, AudioEngineStats, ParleyAudioEngine } from './engine-api.ts';
import { SAMPLE_RATE, SAMPLES_PER_MS } from './voice-format.ts';
import { CAPTURE_PROCESSOR, PLAYBACK_PROCESSOR } from './worklet-messages.ts';
import type {
  CaptureCommand,
  CaptureEvent,
  CaptureProcessorOptions,
  CaptureWorkletStats,
  PlaybackCommand,
  PlaybackEvent,
  PlaybackWorkletStats,
} from './worklet-messages.ts';
import { PendingRequests } from './worklet-requests.ts';

type EngineState = 'idle' | 'starting' | 'running' | 'closed';

function invalidState(what: string): DOMException {
  return new DOMException(what, 'InvalidStateError');
}

function defaultRandomU32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** Creates the engine; nothing touches audio hardware until `start()`. */
export function createAudioEngine(deps: AudioEngineDeps = {}): ParleyAudioEngine {
  return new AudioEngineImpl(deps);
}

class AudioEngineImpl implements ParleyAudioEngine {
  readonly #deps: AudioEngineDeps;
  readonly #events: TypedEmitter<AudioEngineEvents>;
  readonly #requests = new PendingRequests();
  readonly #clock = new ContextClock();
  #state: EngineState = 'idle';
  #ctx: AudioContext | null = null;
  #capture: AudioWorkletNode | null = null;
  #playback: AudioWorkletNode | null = null;
  #input: InputChain | null = null;
  #gate: GateConfig = { ...DEFAULT_GATE, mode: 'muted' };
  #expectedLoss = DEFAULT_EXPECTED_LOSS_PERCENT;
  #inputGain = 1;
  #outputVolume = 1;
  #outputDevice: string | null = null;
  readonly #micTest = new MicTestLoop();
  #deafened = false;
  #room: number | null = null;
  readonly #volumes = new Map<number, number>();

  constructor(deps: AudioEngineDeps) {
    this.#deps = deps;
    const onListenerError = deps.onListenerError ?? ((error: unknown, event: string) => console.error(`audio engine listener failed [event:${event}]`, error));
    this.#events = new TypedEmitter<AudioEngineEvents>((error, event) => onListenerError(error, String(event)));
  }

  on<K extends keyof AudioEngineEvents>(event: K, listener: AudioEngineEvents[K]): () => void {
    return this.#events.on(event, listener);
  }

  async start(options: AudioEngineStartOptions = {}): Promise<void> {
    if (this.#state !== 'idle') throw invalidState(`start() [state:${this.#state}]`);
    this.#state = 'starting';
    try {
      const ctx = this.#createContext();
      // Resume before any await: browsers only honour it close to the user gesture.
      const resumed = ctx.resume();
      resumed.catch(() => undefined); // observed below; avoid an unhandled rejection if a worklet fails first
      await this.#loadWorklets(ctx);
      this.#buildGraph(ctx);
      await resumed;
      this.#throwIfClosed();
      this.#state = 'running';
    } catch (error) {
      const e = error instanceof AudioEngineError || error instanceof DOMException ? error : new AudioEngineError('audio-context-failed', 'audio start failed', { cause: error });
      if (e instanceof AudioEngineError) this.#events.emit('error', e);
      await this.#teardown();
      this.#state = 'closed';
      throw e;
    }
    if (this.#outputDevice !== null) this.setOutputDevice(this.#outputDevice).catch((e: unknown) => this.#events.emit('error', e as AudioEngineError));
    // A missing or refused microphone is not fatal: playback and keep-alives go on.
    try {
      await this.#input!.open(options.inputDeviceId ?? null, true);
    } catch (error) {
      if (this.#state === 'running') this.#events.emit('error', error as AudioEngineError);
    }
  }

  setTransmitting(on: boolean): void {
    this.configureGate({ mode: on ? 'continuous' : 'muted' });
  }

  configureGate(patch: Partial<GateConfig>): void {
    this.#gate = { ...this.#gate, ...patch };
    this.#sendCapture({ type: 'set-gate', gate: patch });
  }

  setExpectedLoss(percent: number): void {
    this.#expectedLoss = percent;
    this.#sendCapture({ type: 'set-expected-loss', percent });
  }

  setInputGain(gain: number): void {
    this.#inputGain = gain;
    this.#input?.setGain(gain);
  }

  setOutputVolume(volume: number): void {
    this.#outputVolume = volume;
    this.#sendPlayback({ type: 'set-output-volume', volume });
  }

  async setInputDevice(deviceId: string | null): Promise<void> {
    if (this.#state !== 'running' || !this.#input) throw invalidState(`setInputDevice() [state:${this.#state}]`);
    await this.#input.open(deviceId);
  }

  async setOutputDevice(deviceId: string | null): Promise<void> {
    this.#outputDevice = deviceId;
    if (this.#ctx && this.#state === 'running') await routeOutput(this.#ctx, deviceId); // else applied at start
  }

  setMicTest(on: boolean): void {
    if (this.#micTest.set(on) && !on) this.#sendPlayback({ type: 'remove-sender', sender: MIC_TEST_SENDER });
  }

  setDeafened(on: boolean): void {
    this.#deafened = on;
    this.#sendPlayback({ type: 'set-deafened', on });
  }

  receive(bytes: Uint8Array): void {
    if (this.#state !== 'running') return;
    // Copy: the caller's buffer may be shared or reused, and we transfer ours.
    const copy = bytes.slice();
    this.#sendPlayback({ type: 'datagram', bytes: copy }, [copy.buffer]);
  }

  setRoom(voiceId: number): void {
    this.#room = voiceId;
    this.#sendPlayback({ type: 'set-room', room: voiceId });
  }

  removeSender(sessionId: number): void {
    this.#volumes.delete(sessionId);
    this.#sendPlayback({ type: 'remove-sender', sender: sessionId });
  }

  setSenderVolume(sessionId: number, gain: number): void {
    this.#volumes.set(sessionId, gain);
    this.#sendPlayback({ type: 'set-sender-volume', sender: sessionId, gain });
  }

  async recordOutput(ms: number): Promise<Float32Array> {
    return (await this.recordTimed('output', ms)).samples;
  }

  async recordTimed(tap: 'input' | 'output', ms: number): Promise<TimedRecording> {
    if (this.#state !== 'running') throw invalidState(`record() [state:${this.#state}]`);
    const samples = Math.max(0, Math.round(ms * SAMPLES_PER_MS));
    const r = await this.#requests.request<{ samples: Float32Array; startMs: number }>((id) =>
      tap === 'input' ? this.#sendCapture({ type: 'record', id, samples }) : this.#sendPlayback({ type: 'record', id, samples }),
    );
    return { samples: r.samples, contextMs: r.startMs, wallMs: this.#clock.toWallMs(r.startMs) };
  }

  async getStats(): Promise<AudioEngineStats> {
    if (this.#state !== 'running') throw invalidState(`getStats() [state:${this.#state}]`);
    const [capture, playback] = await Promise.all([
      this.#requests.request<CaptureWorkletStats>((id) => this.#sendCapture({ type: 'get-stats', id })),
      this.#requests.request<PlaybackWorkletStats>((id) => this.#sendPlayback({ type: 'get-stats', id })),
    ]);
    const ctx = this.#ctx!;
    return { capture, playback, baseLatency: ctx.baseLatency, outputLatency: ctx.outputLatency ?? 0, inputLabel: this.#input?.label ?? '' };
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#teardown();
  }

  #createContext(): AudioContext {
    let ctx: AudioContext;
    try {
      ctx = this.#deps.createContext?.() ?? new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
    } catch (error) {
      throw new AudioEngineError('audio-context-failed', 'cannot create AudioContext', { cause: error });
    }
    this.#ctx = ctx;
    if (ctx.sampleRate !== SAMPLE_RATE) {
      throw new AudioEngineError('audio-context-failed', `AudioContext sample rate [got:${ctx.sampleRate}, need:${SAMPLE_RATE}]`);
    }
    return ctx;
  }

  async #loadWorklets(ctx: AudioContext): Promise<void> {
    try {
      // Imported lazily so this module loads without Vite (web-test-runner passes workletUrl).
      const url = this.#deps.workletUrl ?? (await import('./audio.worklet.ts?worker&url')).default;
      await ctx.audioWorklet.addModule(url);
    } catch (error) {
      throw new AudioEngineError('worklet-failed', 'cannot load audio worklets', { cause: error });
    }
    this.#throwIfClosed();
  }

  #buildGraph(ctx: AudioContext): void {
    const random = this.#deps.randomU32 ?? defaultRandomU32;
    const processorOptions: CaptureProcessorOptions = { seq: random() >>> 0, ts: random() >>> 0, gate: this.#gate, expectedLossPercent: this.#expectedLoss };
    try {
      this.#capture = new AudioWorkletNode(ctx, CAPTURE_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        channelCount: 1,
        channelCountMode: 'explicit',
        channelInterpretation: 'speakers',
        processorOptions,
      });
      this.#playback = new AudioWorkletNode(ctx, PLAYBACK_PROCESSOR, {
        numberOfInputs: 0,
        numberOfOutputs: 1,
        outputChannelCount: [1],
      });
    } catch (error) {
      throw new AudioEngineError('worklet-failed', 'cannot create audio worklet nodes', { cause: error });
    }
    const onProcessorError = (which: string) => () =>
      this.#events.emit('error', new AudioEngineError('worklet-failed', `audio worklet crashed [processor:${which}]`));
    this.#capture.onprocessorerror = onProcessorError('capture');
    this.#playback.onprocessorerror = onProcessorError('playback');
    this.#capture.port.onmessage = (e: MessageEvent<CaptureEvent>) => this.#onCaptureEvent(e.data);
    this.#playback.port.onmessage = (e: MessageEvent<PlaybackEvent>) => this.#onPlaybackEvent(e.data);
    this.#capture.connect(ctx.destination);
    this.#playback.connect(ctx.destination);
    this.#input = new InputChain({
      ctx,
      capture: this.#capture,
      getUserMedia: this.#getUserMedia(),
      onEnded: () => {
        if (this.#state === 'running') {
          this.#events.emit('error', new AudioEngineError('mic-unavailable', 'microphone track ended [reason:device removed or revoked]'));
        }
      },
    });
    this.#input.setGain(this.#inputGain);
    if (this.#room !== null) this.#sendPlayback({ type: 'set-room', room: this.#room });
    if (this.#deafened) this.#sendPlayback({ type: 'set-deafened', on: true });
    if (this.#outputVolume !== 1) this.#sendPlayback({ type: 'set-output-volume', volume: this.#outputVolume });
    for (const [sender, gain] of this.#volumes) this.#sendPlayback({ type: 'set-sender-volume', sender, gain });
  }

  /** Samples the context clock against the wall clock; called on every worklet event (right after a render). */
  #observeClock(): void {
    const ctx = this.#ctx;
    if (ctx) this.#clock.observe(ctx.currentTime * 1000, performance.timeOrigin + performance.now());
  }

  #onDatagram(bytes: Uint8Array): void {
    const { send, local } = this.#micTest.route(bytes, this.#room ?? 0);
    if (local) this.#sendPlayback({ type: 'local-datagram', bytes: local }, [local.buffer]);
    if (send) this.#events.emit('datagram', send);
  }

  #onCaptureEvent(event: CaptureEvent): void {
    this.#observeClock();
    switch (event.type) {
      case 'datagram':
        this.#onDatagram(event.bytes);
        break;
      case 'level':
        this.#events.emit('inputLevel', event.level, event.transmitting);
        break;
      case 'ready':
        break;
      default:
        this.#onWorkletReply(event, 'record()');
    }
  }

  /** Replies both processors send alike: errors, stats and recordings. */
  #onWorkletReply(event: Extract<CaptureEvent | PlaybackEvent, { type: 'error' | 'stats' | 'recording' | 'recordings-cancelled' }>, api: string): void {
    switch (event.type) {
      case 'error':
        this.#events.emit('error', new AudioEngineError('worklet-failed', event.message));
        break;
      case 'stats':
        this.#requests.settle(event.id, event.stats);
        break;
      case 'recording':
        this.#requests.settle(event.id, { samples: event.samples, startMs: event.startMs });
        break;
      case 'recordings-cancelled':
        for (const id of event.ids) this.#requests.fail(id, invalidState(`${api} [reason:engine closed]`));
        break;
    }
  }

  #onPlaybackEvent(event: PlaybackEvent): void {
    this.#observeClock();
    switch (event.type) {
      case 'talking':
        this.#events.emit('talking', event.talking);
        break;
      case 'loss':
        this.#events.emit('receiveLoss', event.loss);
        break;
      default:
        this.#onWorkletReply(event, 'recordOutput()');
    }
  }

  #sendCapture(cmd: CaptureCommand): void {
    this.#capture?.port.postMessage(cmd);
  }

  #sendPlayback(cmd: PlaybackCommand, transfer: Transferable[] = []): void {
    this.#playback?.port.postMessage(cmd, transfer);
  }

  #getUserMedia(): GetUserMedia | undefined {
    if (this.#deps.getUserMedia) return this.#deps.getUserMedia;
    const md = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    return md ? (c) => md.getUserMedia(c) : undefined;
  }

  #throwIfClosed(): void {
    if (this.#state === 'closed') throw invalidState('start() [reason:closed while starting]');
  }

  /** Releases everything that exists; safe to call at any stage. */
  async #teardown(): Promise<void> {
    this.#sendCapture({ type: 'close' });
    this.#sendPlayback({ type: 'close' });
    this.#input?.close();
    this.#capture?.disconnect();
    this.#playback?.disconnect();
    this.#requests.failAll(() => invalidState('request [reason:engine closed]'));
    const ctx = this.#ctx;
    this.#input = null;
    this.#capture = null;
    this.#playback = null;
    this.#ctx = null;
    if (ctx && ctx.state !== 'closed') {
      try {
        await ctx.close();
      } catch {
        // Already closing; nothing left to release.
      }
    }
  }
}
