/**
 * node-datachannel adapter: one PeerConnection per session, answering the
 * client's offer and accepting the client-created `voice` DataChannel.
 *
 * node-datachannel frees a DataChannel whose JS object is garbage-collected,
 * and a channel freed while libdatachannel still tears it down (a stray
 * channel closed and dropped at once, then `cleanup()` on SIGTERM) crashed
 * the process natively (SIGSEGV/SIGBUS/SIGABRT). This object therefore holds
 * strong references to the PeerConnection and to every channel it accepted,
 * the voice channel, replaced voice channels and refused strays alike, until
 * the peer closes; and it closes channels before the PeerConnection (the
 * order libdatachannel survives). Strays are capped per peer
 * ({@link MAX_STRAY_CHANNELS}): past the cap the whole peer closes, so a
 * client cannot make it hold channels without bound. Native callbacks run
 * outside any of our try blocks, so each one is guarded here: an exception
 * there would otherwise be uncaught and end the process.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { RelayError } from '../errors.ts';
import type { RtcOptions } from '../options.ts';
import { VOICE_CHANNEL_LABEL } from '../../proto/index.ts';


/**
 * Channels with another label (or a voice channel beyond the first few
 * replacements) one peer may open before it is closed: each is kept until the
 * peer closes (see the module comment), so the number is bounded.
 */
export const MAX_STRAY_CHANNELS = 8;

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
  /** Every channel accepted, kept until {@link close} (see the module comment). */
  readonly #channels = new Set<DataChannel>();
  #strays = 0;
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

  /**
   * Closes every channel this peer accepted, keeping the references; the
   * PeerConnection stays until {@link close}. A relay shutting down calls this
   * on every peer before closing any PeerConnection.
   */
  closeChannels(): void {
    for (const dc of this.#channels) {
      try {
        dc.close();
      } catch (error) {
        this.#handlers.onError('close channel', error);
      }
    }
  }

  /** Closes every channel, then the PeerConnection (the order libdatachannel survives). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.closeChannels();
    try {
      this.#pc.close();
    } catch (error) {
      this.#handlers.onError('close', error);
    }
  }

  #accept(dc: DataChannel): void {
    // Kept whatever happens next: dropping a channel libdatachannel is still closing crashes it.
    this.#channels.add(dc);
    if (this.#closed) {
      dc.close();
      return;
    }
    if (dc.getLabel() !== VOICE_CHANNEL_LABEL) {
      // Only one channel kind exists; anything else is closed (and kept, bounded).
      if (++this.#strays > MAX_STRAY_CHANNELS) this.close();
      else dc.close();
      return;
    }
    const previous = this.#voice;
    this.#voice = dc;
    if (previous) {
      if (++this.#strays > MAX_STRAY_CHANNELS) {
        this.close();
        return;
      }
      previous.close();
    }
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
