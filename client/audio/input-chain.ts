/**
 * The microphone end of the graph: MediaStream → source → input gain →
 * capture worklet. Owns the stream and can swap devices while running: the
 * new device is opened first and only then replaces the old one, so a
 * failed switch leaves the user on the air with the old microphone.
 */
import { openMicrophone } from './microphone.ts';
import type { GetUserMedia } from './microphone.ts';
import type { AudioEngineError } from './types.ts';

/** What the chain needs from the engine. */
export interface InputChainDeps {
  readonly ctx: AudioContext;
  /** The capture worklet node the gain feeds. */
  readonly capture: AudioNode;
  readonly getUserMedia: GetUserMedia | undefined;
  /** The live track ended (device unplugged, permission revoked). */
  readonly onEnded: () => void;
}

/** Microphone, source node and input gain. */
export class InputChain {
  readonly #deps: InputChainDeps;
  readonly #gain: GainNode;
  #stream: MediaStream | null = null;
  #source: MediaStreamAudioSourceNode | null = null;
  #closed = false;

  constructor(deps: InputChainDeps) {
    this.#deps = deps;
    // Connected to the capture node only while a microphone is open: a connected
    // input, even a silent one, would make the worklet encode (and send) silence.
    this.#gain = deps.ctx.createGain();
  }

  /** Label of the open microphone ('' if none). */
  get label(): string {
    return this.#stream?.getAudioTracks()[0]?.label ?? '';
  }

  /** Sets the input gain (linear, clamped to 0..4). */
  setGain(gain: number): void {
    this.#gain.gain.value = Math.max(0, Math.min(4, Number.isFinite(gain) ? gain : 1));
  }

  /**
   * Opens `deviceId` (null = default) and makes it the input. With
   * `fallback`, a device that is gone falls back to the default one.
   * Rejects with an AudioEngineError; the previous microphone stays then.
   */
  async open(deviceId: string | null, fallback = false): Promise<void> {
    let stream: MediaStream;
    try {
      stream = await openMicrophone(this.#deps.getUserMedia, deviceId ?? undefined);
    } catch (error) {
      if (!fallback || !deviceId || (error as AudioEngineError).code !== 'mic-unavailable') throw error;
      stream = await openMicrophone(this.#deps.getUserMedia);
    }
    if (this.#closed) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.#release();
    this.#stream = stream;
    this.#source = this.#deps.ctx.createMediaStreamSource(stream);
    this.#source.connect(this.#gain);
    this.#gain.connect(this.#deps.capture);
    for (const track of stream.getAudioTracks()) {
      track.addEventListener('ended', () => {
        if (this.#stream === stream) this.#deps.onEnded();
      });
    }
  }

  /** Stops the microphone and disconnects everything. */
  close(): void {
    this.#closed = true;
    this.#release();
    this.#gain.disconnect();
  }

  #release(): void {
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    if (this.#source) this.#gain.disconnect();
    this.#source?.disconnect();
    this.#stream = null;
    this.#source = null;
  }
}
