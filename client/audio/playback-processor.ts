/**
 * Playback AudioWorkletProcessor: downlink datagrams posted by the main thread
 * → PlaybackMixer (per-sender jitter buffer + libopus-wasm decoder with
 * FEC/PLC, mix, limiter) → the node's mono output.
 *
 * Arrival and playout times both come from this scope's audio clock
 * (`currentTime`), so the jitter buffer never mixes two clocks.
 */
import { createDecoder } from 'libopus-wasm';
import { VOICE_DECODER_OPTIONS } from './opus-config.ts';
import { PlaybackMixer } from './playback-mixer.ts';
import { PLAYBACK_PROCESSOR } from './worklet-messages.ts';
import type { PlaybackCommand, PlaybackEvent } from './worklet-messages.ts';
import type { AudioWorkletScope, WorkletProcessorClass } from './worklet-scope.ts';

/** Defines the playback processor class and registers it as PLAYBACK_PROCESSOR. Worklet scope only. */
export function registerPlaybackProcessor(scope: AudioWorkletScope): void {
  scope.registerProcessor(PLAYBACK_PROCESSOR, playbackProcessorClass(scope));
}

// The base class only exists inside the worklet scope, so the class is built on demand.
function playbackProcessorClass(scope: AudioWorkletScope): WorkletProcessorClass {
  return class PlaybackProcessor extends scope.AudioWorkletProcessor {
    readonly #mixer: PlaybackMixer;
    #closed = false;

    constructor(options: AudioWorkletNodeOptions) {
      super(options);
      this.#mixer = new PlaybackMixer({
        createDecoder: () => createDecoder(VOICE_DECODER_OPTIONS),
        onTalking: (talking) => this.#post({ type: 'talking', talking }),
        onRecording: (id, samples, startMs) => this.#post({ type: 'recording', id, samples, startMs }, [samples.buffer as ArrayBuffer]),
        onLoss: (loss) => this.#post({ type: 'loss', loss }),
        onDecoderError: (error) => this.#post({ type: 'error', message: `opus decoder failed to load [${String(error)}]` }),
        clock: Date.now,
      });
      this.port.onmessage = (e: MessageEvent<PlaybackCommand>) => this.#onCommand(e.data);
    }

    process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
      const channels = outputs[0];
      if (!channels || channels.length === 0) return !this.#closed;
      const first = channels[0]!;
      this.#mixer.render(first, scope.currentTime * 1000);
      for (let c = 1; c < channels.length; c++) channels[c]!.set(first);
      return !this.#closed;
    }

    #onCommand(cmd: PlaybackCommand): void {
      switch (cmd.type) {
        case 'datagram':
          this.#mixer.receive(cmd.bytes, scope.currentTime * 1000);
          break;
        case 'local-datagram':
          this.#mixer.receiveLocal(cmd.bytes, scope.currentTime * 1000);
          break;
        case 'set-output-volume':
          this.#mixer.setOutputVolume(cmd.volume);
          break;
        case 'set-room':
          this.#mixer.setRoom(cmd.room);
          break;
        case 'remove-sender':
          this.#mixer.removeSender(cmd.sender);
          break;
        case 'set-sender-volume':
          this.#mixer.setSenderVolume(cmd.sender, cmd.gain);
          break;
        case 'set-deafened':
          this.#mixer.setDeafened(cmd.on);
          break;
        case 'record':
          this.#mixer.record(cmd.id, cmd.samples);
          break;
        case 'get-stats':
          this.#post({ type: 'stats', id: cmd.id, stats: this.#mixer.stats() });
          break;
        case 'close': {
          this.#closed = true;
          const ids = this.#mixer.close();
          if (ids.length > 0) this.#post({ type: 'recordings-cancelled', ids });
          break;
        }
      }
    }

    #post(event: PlaybackEvent, transfer: Transferable[] = []): void {
      this.port.postMessage(event, transfer);
    }
  };
}
