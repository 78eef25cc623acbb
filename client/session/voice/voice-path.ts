/**
 * The datagram path between the audio engine and the voice transport, both
 * ways, with the network simulator on the outgoing side:
 *
 *   engine `datagram` → NetworkSimulator → VoiceTransport.send()
 *   VoiceTransport `datagram` → engine.receive()
 *
 * AudioLink attaches the engine while voice runs, VoiceLink attaches the
 * transport it currently owns; the path hands bytes straight across, so no
 * datagram passes through the session. A datagram with no one at the other
 * end is dropped (voice is unreliable anyway).
 */
import type { AudioEngine } from '../../audio/types.ts';
import { NetworkSimulator } from './net-sim.ts';
import type { NetSimConfig } from './net-sim.ts';
import type { VoiceTransport } from './voice-transport.ts';

/** One engine ↔ transport pipe; create one per session. */
export class VoicePath {
  readonly #sim: NetworkSimulator;
  #engine: AudioEngine | null = null;
  #transport: VoiceTransport | null = null;

  constructor(setTimer: (fn: () => void, ms: number) => unknown) {
    this.#sim = new NetworkSimulator(setTimer);
  }

  /** Connects `engine`'s datagrams to the relay side; returns the detach function. */
  attachEngine(engine: AudioEngine): () => void {
    this.#engine = engine;
    const off = engine.on('datagram', (bytes) => this.#sim.send(bytes, this.#toRelay));
    return () => {
      off();
      if (this.#engine === engine) this.#engine = null;
    };
  }

  /** Connects `transport`'s datagrams to the engine (replacing any previous transport). */
  attachTransport(transport: VoiceTransport): void {
    this.#transport = transport;
    transport.on('datagram', (bytes) => {
      if (this.#transport === transport) this.#engine?.receive(bytes);
    });
  }

  /** Forgets `transport` if it is the current one (it closed). */
  detachTransport(transport: VoiceTransport | null): void {
    if (this.#transport === transport) this.#transport = null;
  }

  /** Reconfigures the outgoing simulator (restarts its PRNG from the seed). */
  configure(config: NetSimConfig): void {
    this.#sim.configure(config);
  }

  readonly #toRelay = (bytes: Uint8Array): void => {
    this.#transport?.send(bytes);
  };
}
