/**
 * The voice path to the relay: one RTCPeerConnection with one unordered,
 * unreliable DataChannel (`maxRetransmits: 0`). Signalling goes through the
 * injected `signal` callback (the authenticated WebSocket).
 */
import { DatagramKind, peekKind, splitDownlink } from '../../../proto/index.ts';
import type { RtcSignal } from '../../../proto/index.ts';
import type { EnvelopeInit } from '../../../proto/index.ts';
import { TypedEmitter } from '../../../proto/typed-emitter.ts';
import { VOICE_CHANNEL_LABEL } from '../../../proto/index.ts';

export interface VoiceTransportEvents {
  /** The DataChannel is open: datagrams can flow. */
  open: () => void;
  datagram: (bytes: Uint8Array) => void;
  /** The channel or peer connection failed or closed. */
  close: (reason: string) => void;
}


/** WebRTC voice transport; created after authentication. */
export class VoiceTransport extends TypedEmitter<VoiceTransportEvents> {
  readonly #pc: RTCPeerConnection;
  readonly #dc: RTCDataChannel;
  readonly #send: (msg: EnvelopeInit) => void;
  /** The signals applied so far (see {@link handleSignal}). */
  #signals: Promise<void> = Promise.resolve();
  #closed = false;

  /**
   * `createPeerConnection` is the browser's by default; Node tests pass node-datachannel's
   * polyfill, so the real transport runs against a real relay without a global.
   */
  constructor(
    send: (msg: EnvelopeInit) => void,
    config: RTCConfiguration = { iceServers: [] },
    createPeerConnection: (config: RTCConfiguration) => RTCPeerConnection = (c) => new RTCPeerConnection(c),
  ) {
    super();
    this.#send = send;
    this.#pc = createPeerConnection(config);
    this.#dc = this.#pc.createDataChannel(VOICE_CHANNEL_LABEL, { ordered: false, maxRetransmits: 0 });
    this.#dc.binaryType = 'arraybuffer';
    this.#dc.onopen = () => this.emit('open');
    this.#dc.onclose = () => this.#fail('datachannel closed');
    this.#dc.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(ev.data);
      // A relay under load packs frames for us into BUNDLE datagrams (our offer says we read them).
      const parts = peekKind(bytes) === DatagramKind.Bundle ? splitDownlink(bytes) : null;
      if (parts === null) this.emit('datagram', bytes);
      else if (parts.ok) for (const part of parts.value) this.emit('datagram', part);
    };
    this.#pc.onicecandidate = (ev) => {
      if (ev.candidate && ev.candidate.candidate) {
        this.#send({ case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate: ev.candidate.candidate, mid: ev.candidate.sdpMid ?? '0' } } } });
      }
    };
    this.#pc.onconnectionstatechange = () => {
      // node-datachannel closes a PeerConnection whose ICE or DTLS failed (state "closed", not
      // "failed"); either way, one we did not close is gone.
      const state = this.#pc.connectionState;
      if (state === 'failed' || state === 'closed') this.#fail(`peer connection ${state}`);
    };
  }

  /** Creates the offer and sends it to the relay. */
  async start(): Promise<void> {
    const offer = await this.#pc.createOffer();
    await this.#pc.setLocalDescription(offer);
    this.#send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type: offer.type, sdp: offer.sdp ?? '', bundles: true } } } });
  }

  /**
   * Applies a signalling message from the relay, in arrival order: a
   * candidate waits for the answer before it to be applied (browsers queue
   * these themselves; node-datachannel's polyfill refuses a candidate that
   * overtakes its answer).
   */
  handleSignal(signal: RtcSignal): Promise<void> {
    const run = this.#signals.then(() => this.#apply(signal));
    this.#signals = run.catch(() => {});
    return run;
  }

  async #apply(signal: RtcSignal): Promise<void> {
    if (this.#closed) return;
    const s = signal.signal;
    if (s.case === 'description' && s.value.type === 'answer') {
      await this.#pc.setRemoteDescription({ type: 'answer', sdp: s.value.sdp });
    } else if (s.case === 'candidate' && s.value.candidate) {
      await this.#pc.addIceCandidate({ candidate: s.value.candidate, sdpMid: s.value.mid || '0' });
    }
  }

  /** True while datagrams can be sent. */
  get isOpen(): boolean {
    return !this.#closed && this.#dc.readyState === 'open';
  }

  /**
   * Sends one datagram unreliably. Skips the send when the SCTP buffer is
   * already deep: a late voice frame is worse than a lost one.
   */
  send(bytes: Uint8Array): void {
    if (!this.isOpen || this.#dc.bufferedAmount > 16 * 1024) return;
    this.#dc.send(bytes as Uint8Array<ArrayBuffer>);
  }

  #fail(reason: string): void {
    if (this.#closed) return;
    this.close();
    this.emit('close', reason);
  }

  /** Closes channel and peer connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#dc.close();
      this.#pc.close();
    } catch {
      // already closed
    }
  }
}
