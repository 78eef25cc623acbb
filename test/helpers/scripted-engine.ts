/**
 * An audio engine for Node tests of the client Session: the microphone and
 * speakers are the edge faked; it records what the session asked of it
 * (gate, deafen, start) and what it was fed, and raises engine events (a
 * captured datagram) when the test says so.
 */
import type { AudioEngine, AudioEngineEvents, GateConfig } from '../../client/audio/types.ts';
import { TypedEmitter } from '../../proto/typed-emitter.ts';

/** An audio engine that records what the session asked of it. */
export class ScriptedEngine implements AudioEngine {
  gate: GateConfig = { mode: 'continuous', pttDown: false, thresholdDb: -45, hangMs: 400 };
  deafened = false;
  started = false;
  readonly received: Uint8Array[] = [];
  /** Raises engine events, as the real engine does from its worklets. */
  readonly events = new TypedEmitter<AudioEngineEvents>();

  async start(): Promise<void> {
    this.started = true;
  }
  setTransmitting(on: boolean): void {
    this.configureGate({ mode: on ? 'continuous' : 'muted' });
  }
  configureGate(patch: Partial<GateConfig>): void {
    this.gate = { ...this.gate, ...patch };
  }
  setExpectedLoss(): void {}
  setInputGain(): void {}
  setOutputVolume(): void {}
  setSenderVolume(): void {}
  async setInputDevice(): Promise<void> {}
  async setOutputDevice(): Promise<void> {}
  setMicTest(): void {}
  setDeafened(on: boolean): void {
    this.deafened = on;
  }
  receive(bytes: Uint8Array): void {
    this.received.push(bytes);
  }
  setRoom(): void {}
  removeSender(): void {}
  on<K extends keyof AudioEngineEvents>(event: K, listener: AudioEngineEvents[K]): () => void {
    return this.events.on(event, listener);
  }
  async recordOutput(ms: number): Promise<Float32Array> {
    return new Float32Array(Math.round((ms / 1000) * 48_000));
  }
  async close(): Promise<void> {}
}
