/**
 * Microphone test routing, pure: while on, each uplink voice datagram is
 * turned into a downlink datagram from MIC_TEST_SENDER for local playback
 * instead of being sent, so the user hears exactly what others would
 * (gate, gain, Opus, jitter buffer, decoder). Keep-alives still go out, plus
 * one per 2 s of swallowed voice, so the relay and NAT keep the path open.
 */
import { DatagramKind, encodeKeepalive, forwardVoice, peekKind } from '../../proto/datagram.ts';
import { MIC_TEST_SENDER } from './types.ts';

/** Voice datagrams swallowed between two keep-alives (2 s of frames). */
const KEEPALIVE_EVERY = 100;

/** Where one uplink datagram goes. */
export interface MicTestRoute {
  /** Send this to the relay (the datagram itself, a keep-alive, or nothing). */
  readonly send: Uint8Array | null;
  /** Play this locally (downlink datagram), or nothing. */
  readonly local: Uint8Array | null;
}

/** Microphone-test switch and router. */
export class MicTestLoop {
  #on = false;
  #swallowed = 0;

  get on(): boolean {
    return this.#on;
  }

  /** Turns the test on or off; returns whether it changed. */
  set(on: boolean): boolean {
    if (on === this.#on) return false;
    this.#on = on;
    this.#swallowed = 0;
    return true;
  }

  /** Routes one uplink datagram; `room` is stamped on the local copy. */
  route(bytes: Uint8Array, room: number): MicTestRoute {
    if (!this.#on || peekKind(bytes) !== DatagramKind.Voice) return { send: bytes, local: null };
    const local = forwardVoice(bytes, MIC_TEST_SENDER, room);
    const send = ++this.#swallowed % KEEPALIVE_EVERY === 0 ? encodeKeepalive() : null;
    return { send, local };
  }
}
