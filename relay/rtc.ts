/**
 * node-datachannel adapter: one PeerConnection per session, answering the
 * client's offer and accepting the client-created `voice` DataChannel.
 *
 * node-datachannel frees a DataChannel whose JS object is garbage-collected,
 * which closes it; this object therefore holds strong references to the
 * PeerConnection and the voice channel for as long as it lives. Native
 * callbacks run outside any of our try blocks, so each one is guarded here:
 * an exception there would otherwise be uncaught and end the process.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { RelayError } from './errors.ts';
import type { RtcOptions } from './options.ts';

/** Label of the one DataChannel a client opens for voice. */
export const VOICE_CHANNEL_LABEL = 'voice';

/** What a {@link VoicePeer} reports. */
export interface VoicePeerHandlers {
  /** Local SDP to send to the client (an answer). */
  onDescription(type: string, sdp: string): void;
  /** Local ICE candidate to trickle to the client. */
  onCandidate(candidate: string, mid: string): void;
  /** The client's voice channel is open. */
  onVoiceOpen(channel: DataChannel): void;
  /** The voice channel closed. */
  onVoiceClosed(channel: DataChannel): void;
  /** One message on the voice channel (hot path). */
  onDatagram(message: string | Buffer | ArrayBuffer): void;
  /** A callback threw. */
  onError(where: string, error: unknown): void;
}

/** One session's PeerConnection and its voice channel. */
export class VoicePeer {
  readonly #pc: PeerConnection;
  readonly #handlers: VoicePeerHandlers;
  #voice: DataChannel | null = null;
  #closed = false;

  constructor(name: string, rtc: RtcOptions, handlers: VoicePeerHandlers) {
    this.#handlers = handlers;
    const mux = rtc.udpMuxPort;
    this.#pc = new nodeDataChannel.PeerConnection(name, {
      iceServers: [...(rtc.iceServers ?? [])],
      ...(mux !== undefined
        ? { enableIceUdpMux: true, portRangeBegin: mux, portRangeEnd: mux }
        : {
            ...(rtc.portRangeBegin !== undefined ? { portRangeBegin: rtc.portRangeBegin } : {}),
            ...(rtc.portRangeEnd !== undefined ? { portRangeEnd: rtc.portRangeEnd } : {}),
          }),
    });
    this.#pc.onLocalDescription((sdp, type) => this.#guard('local description', () => handlers.onDescription(type, sdp)));
    this.#pc.onLocalCandidate((candidate, mid) => this.#guard('local candidate', () => handlers.onCandidate(candidate, mid)));
    this.#pc.onDataChannel((dc) => this.#guard('data channel', () => this.#accept(dc)));
  }

  /** Applies the client's offer; the answer arrives through `onDescription`. Throws `RelayError('rtc')` on bad SDP. */
  acceptOffer(sdp: string): void {
    if (this.#closed) throw RelayError.closed('voice peer');
    try {
      this.#pc.setRemoteDescription(sdp, 'offer');
    } catch (error) {
      throw RelayError.rtc('offer rejected', error);
    }
  }

  /** Adds a client ICE candidate. Throws `RelayError('rtc')` when libdatachannel refuses it. */
  addCandidate(candidate: string, mid: string): void {
    if (this.#closed) throw RelayError.closed('voice peer');
    try {
      this.#pc.addRemoteCandidate(candidate, mid);
    } catch (error) {
      throw RelayError.rtc('candidate rejected', error);
    }
  }

  /** Closes the channel and the PeerConnection. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#voice?.close();
      this.#pc.close();
    } catch (error) {
      this.#handlers.onError('close', error);
    }
  }

  #accept(dc: DataChannel): void {
    if (this.#closed || dc.getLabel() !== VOICE_CHANNEL_LABEL) {
      // Only one channel kind exists; anything else is closed rather than kept.
      dc.close();
      return;
    }
    const previous = this.#voice;
    this.#voice = dc;
    if (previous) previous.close();
    const handlers = this.#handlers;
    dc.onMessage((message) => {
      try {
        handlers.onDatagram(message);
      } catch (error) {
        handlers.onError('datagram', error);
      }
    });
    dc.onClosed(() => this.#guard('channel closed', () => handlers.onVoiceClosed(dc)));
    dc.onError((error) => handlers.onError('channel', error));
    if (dc.isOpen()) handlers.onVoiceOpen(dc);
    else dc.onOpen(() => this.#guard('channel open', () => handlers.onVoiceOpen(dc)));
  }

  #guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#handlers.onError(where, error);
    }
  }
}
