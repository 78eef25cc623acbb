/**
 * Main-thread half of the audio engine: owns the AudioContext, the
 * microphone and the two worklet nodes, and shuttles bytes and events
 * between them and the session. All signal processing happens in the two
 * worklet processors (capture-processor.ts, playback-processor.ts, loaded
 * as one module, audio.worklet.ts); this file is wiring and lifecycle only.
 *
 * Graph: mic → MediaStreamSource → capture node (→ destination, silent, so
 *        the node is always pulled, even without a mic)
 *        playback node → destination
 */
import { EventHub } from './event-hub.ts';
import { openMicrophone } from './microphone.ts';
import type { GetUserMedia } from './microphone.ts';
import { AudioEngineError } from './types.ts';
import type { AudioEngine, AudioEngineEvents, AudioEngineStartOptions } from './types.ts';
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

/** Injected adapters; every field defaults to the real browser API. */
export interface AudioEngineDeps {
  /** Creates the context; default `new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' })`. */
  readonly createContext?: () => AudioContext;
  /** Default `navigator.mediaDevices.getUserMedia`. */
  readonly getUserMedia?: GetUserMedia;
  /**
   * URL of the worklet module (audio.worklet.ts or its build); default the
   * Vite-bundled one. Set it where Vite does not build the page (web-test-runner).
   */
  readonly workletUrl?: string;
  /** Source of the random initial datagram seq/ts (u32); default `crypto.getRandomValues`. */
  readonly randomU32?: () => number;
  /** Where exceptions thrown by event listeners go; default `console.error`. */
  readonly onListenerError?: (error: unknown, event: string) => void;
}

/** Snapshot of both worklets' counters. */
export interface AudioEngineStats {
  readonly capture: CaptureWorkletStats;
  readonly playback: PlaybackWorkletStats;
  /** AudioContext.baseLatency, s. */
  readonly baseLatency: number;
  /** AudioContext.outputLatency, s (0 where unsupported). */
  readonly outputLatency: number;
}

/** {@link AudioEngine} plus diagnostics and the per-sender volume hook. */
export interface ParleyAudioEngine extends AudioEngine {
  /** Per-sender playback gain (linear; 1 = unchanged, 0 = muted locally). */
  setSenderVolume(sessionId: number, gain: number): void;
  /** Counters of capture (encode) and playback (jitter buffers, decode, mix). */
  getStats(): Promise<AudioEngineStats>;
}

type EngineState = 'idle' | 'starting' | 'running' | 'closed';

interface Pending {
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
}

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
  readonly #events: EventHub<AudioEngineEvents>;
  readonly #pending = new Map<number, Pending>();
  #state: EngineState = 'idle';
  #ctx: AudioContext | null = null;
  #capture: AudioWorkletNode | null = null;
  #playback: AudioWorkletNode | null = null;
  #source: MediaStreamAudioSourceNode | null = null;
  #stream: MediaStream | null = null;
  #transmitting = false;
  #deafened = false;
  #room: number | null = null;
  readonly #volumes = new Map<number, number>();
  #nextRequestId = 1;

  constructor(deps: AudioEngineDeps) {
    this.#deps = deps;
    const onListenerError = deps.onListenerError ?? ((error: unknown, event: string) => console.error(`audio engine listener failed [event:${event}]`, error));
    this.#events = new EventHub<AudioEngineEvents>((error, event) => onListenerError(error, String(event)));
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
    // A missing or refused microphone is not fatal: playback and keep-alives go on.
    try {
      const stream = await openMicrophone(this.#getUserMedia(), options.inputDeviceId);
      if (this.#state !== 'running') {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      this.#attachMicrophone(stream);
    } catch (error) {
      this.#events.emit('error', error as AudioEngineError);
    }
  }

  setTransmitting(on: boolean): void {
    this.#transmitting = on;
    this.#sendCapture({ type: 'set-transmitting', on });
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

  recordOutput(ms: number): Promise<Float32Array> {
    if (this.#state !== 'running') return Promise.reject(invalidState(`recordOutput() [state:${this.#state}]`));
    const samples = Math.max(0, Math.round(ms * SAMPLES_PER_MS));
    return this.#request<Float32Array>((id) => this.#sendPlayback({ type: 'record', id, samples }));
  }

  async getStats(): Promise<AudioEngineStats> {
    if (this.#state !== 'running') throw invalidState(`getStats() [state:${this.#state}]`);
    const [capture, playback] = await Promise.all([
      this.#request<CaptureWorkletStats>((id) => this.#sendCapture({ type: 'get-stats', id })),
      this.#request<PlaybackWorkletStats>((id) => this.#sendPlayback({ type: 'get-stats', id })),
    ]);
    const ctx = this.#ctx!;
    return { capture, playback, baseLatency: ctx.baseLatency, outputLatency: ctx.outputLatency ?? 0 };
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
    const processorOptions: CaptureProcessorOptions = { seq: random() >>> 0, ts: random() >>> 0, transmitting: this.#transmitting };
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
    if (this.#room !== null) this.#sendPlayback({ type: 'set-room', room: this.#room });
    if (this.#deafened) this.#sendPlayback({ type: 'set-deafened', on: true });
    for (const [sender, gain] of this.#volumes) this.#sendPlayback({ type: 'set-sender-volume', sender, gain });
  }

  #attachMicrophone(stream: MediaStream): void {
    this.#stream = stream;
    this.#source = this.#ctx!.createMediaStreamSource(stream);
    this.#source.connect(this.#capture!);
    for (const track of stream.getAudioTracks()) {
      track.addEventListener('ended', () => {
        if (this.#state === 'running') {
          this.#events.emit('error', new AudioEngineError('mic-unavailable', 'microphone track ended [reason:device removed or revoked]'));
        }
      });
    }
  }

  #onCaptureEvent(event: CaptureEvent): void {
    switch (event.type) {
      case 'datagram':
        this.#events.emit('datagram', event.bytes);
        break;
      case 'level':
        this.#events.emit('inputLevel', event.level, event.transmitting);
        break;
      case 'ready':
        break;
      case 'error':
        this.#events.emit('error', new AudioEngineError('worklet-failed', event.message));
        break;
      case 'stats':
        this.#settle(event.id, event.stats);
        break;
    }
  }

  #onPlaybackEvent(event: PlaybackEvent): void {
    switch (event.type) {
      case 'talking':
        this.#events.emit('talking', event.talking);
        break;
      case 'recording':
        this.#settle(event.id, event.samples);
        break;
      case 'recordings-cancelled':
        for (const id of event.ids) this.#fail(id, invalidState('recordOutput() [reason:engine closed]'));
        break;
      case 'error':
        this.#events.emit('error', new AudioEngineError('worklet-failed', event.message));
        break;
      case 'stats':
        this.#settle(event.id, event.stats);
        break;
    }
  }

  #request<T>(send: (id: number) => void): Promise<T> {
    const id = this.#nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject });
      send(id);
    });
  }

  #settle(id: number, value: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.resolve(value as never);
  }

  #fail(id: number, error: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    p.reject(error);
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
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#source?.disconnect();
    this.#capture?.disconnect();
    this.#playback?.disconnect();
    for (const id of [...this.#pending.keys()]) this.#fail(id, invalidState('request [reason:engine closed]'));
    const ctx = this.#ctx;
    this.#stream = null;
    this.#source = null;
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
