/**
 * The lifecycle of the session's voice transport: offers once signed in,
 * re-offers when the relay has not reported the DataChannel open in time
 * (node-datachannel on some hosts occasionally stalls a first setup, and the
 * relay treats a new offer as a replacement), turns the relay's `voiceReady`
 * and the channel's close into `State.voice`, and attaches each transport to
 * the voice path (voice-path.ts), which carries the datagrams both ways.
 *
 * Each transport's offer is numbered (`offer_id`, docs/PROTOCOL.md): a
 * re-offer made while the relay was still answering the previous one must
 * not take that answer or its candidates as its own (a loaded relay or box
 * answers late, and an old answer on the new PeerConnection stalls it until
 * the next re-offer, which meets the same race).
 *
 * It owns the transport and its setup timer, never state: every change goes
 * through the host's `set` (the session's one choke point).
 */
import type { EnvelopeInit, RtcSignal } from '../../../proto/index.ts';
import { SessionError } from '../errors.ts';
import type { SignalConnection } from '../connection/signal-connection.ts';
import type { State } from '../state.ts';
import type { VoicePath } from './voice-path.ts';
import { VoiceTransport } from './voice-transport.ts';

/** How long the relay gets to open the voice DataChannel before we re-offer, ms. */
export const VOICE_SETUP_MS = 5000;
/** Offers made before voice is reported failed. */
export const VOICE_SETUP_ATTEMPTS = 4;

/** Sends a control message to the relay (the signed-in socket). */
type Send = SignalConnection['send'];

/** `msg` with `offerId` on its offer or candidate (other messages as they are). */
function stampOffer(msg: EnvelopeInit, offerId: number): EnvelopeInit {
  if (msg?.case !== 'rtcSignal' || msg.value === undefined) return msg;
  const s = msg.value.signal;
  if (s?.case === 'description') return { case: 'rtcSignal', value: { signal: { case: 'description', value: { ...s.value, offerId } } } };
  if (s?.case === 'candidate') return { case: 'rtcSignal', value: { signal: { case: 'candidate', value: { ...s.value, offerId } } } };
  return msg;
}

/** The offer number a relay's signal names; 0 when it names none (a relay from before `offer_id`). */
function offerOf(signal: RtcSignal): number {
  const s = signal.signal;
  return s.case === 'description' || s.case === 'candidate' ? s.value.offerId : 0;
}

/** What the link needs from the session. */
export interface VoiceLinkHost {
  /** The session's current snapshot. */
  state(): State;
  /** The session's choke point. */
  set(next: State): void;
  /** True while the audio engine runs (voice is only "ready" with one). */
  audioRunning(): boolean;
}

/** Adapters of the link. */
export interface VoiceLinkDeps {
  /** Builds a transport that signals through `send`; default a browser {@link VoiceTransport}. */
  readonly createTransport?: ((send: Send) => VoiceTransport) | undefined;
  /** Carries datagrams between the transport and the audio engine (shared with the AudioLink). */
  readonly path: VoicePath;
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** One voice transport at a time, with its setup retries. */
export class VoiceLink {
  readonly #host: VoiceLinkHost;
  readonly #deps: VoiceLinkDeps;
  #transport: VoiceTransport | null = null;
  /** The current transport's offer number; the next one is one more. */
  #offerId = 0;
  /** The relay reported the current transport's channel open. */
  #opened = false;
  #timer: unknown = null;

  constructor(host: VoiceLinkHost, deps: VoiceLinkDeps) {
    this.#host = host;
    this.#deps = deps;
  }

  /**
   * Signed in: opens a transport that signals through `send` (replacing any
   * previous one). A failure of the previous transport (its channel closed
   * when the relay went away, or it never opened) is the past: a new sign-in
   * tries again from "starting". A failure of the audio engine stays.
   */
  start(send: Send): void {
    if (this.#transportFailed) {
      this.#transportFailed = false;
      const s = this.#host.state();
      if (s.voice.status === 'failed') this.#host.set({ ...s, voice: { status: 'starting', error: null } });
    }
    this.#open(send, 0);
  }

  /** Applies the relay's answer or ICE candidate to the current transport; one for a replaced offer is dropped. */
  async handleSignal(signal: RtcSignal): Promise<void> {
    const offerId = offerOf(signal);
    if (offerId !== 0 && offerId !== this.#offerId) return;
    await this.#transport?.handleSignal(signal);
  }

  /** The relay reports the DataChannel open: voice is ready (unless it already failed). */
  ready(): void {
    this.#clearTimer();
    this.#opened = true;
    if (!this.#host.audioRunning()) return;
    const s = this.#host.state();
    this.#host.set({ ...s, voice: { status: s.voice.status === 'failed' ? 'failed' : 'ready', error: s.voice.error } });
  }

  /** Stops the setup timer and closes the transport; `start` may be called again. */
  close(): void {
    this.#clearTimer();
    this.#transport?.close();
    this.#deps.path.detachTransport(this.#transport);
    this.#transport = null;
  }

  #open(send: Send, attempt: number): void {
    this.#transport?.close();
    this.#opened = false;
    // Numbers wrap within u32 and skip 0 ("not numbered").
    const offerId = (this.#offerId % 0xffff_fffe) + 1;
    this.#offerId = offerId;
    const stamped: Send = (msg) => send(stampOffer(msg, offerId));
    const voice = this.#deps.createTransport?.(stamped) ?? new VoiceTransport(stamped);
    this.#transport = voice;
    this.#clearTimer();
    this.#timer = this.#deps.setTimer(() => {
      this.#timer = null;
      if (this.#transport !== voice || this.#host.state().voice.status === 'ready') return;
      if (attempt + 1 < VOICE_SETUP_ATTEMPTS) this.#open(send, attempt + 1);
      else this.#fail(new SessionError('voice-failed', 'voice channel did not open'));
    }, VOICE_SETUP_MS);
    this.#deps.path.attachTransport(voice);
    voice.on('close', (reason) => {
      if (this.#transport !== voice) return;
      // Before the relay reported it open, a transport that died is one failed attempt: offer
      // again at once rather than when the setup timer fires. Once open, its loss is a failure.
      if (!this.#opened && attempt + 1 < VOICE_SETUP_ATTEMPTS) this.#open(send, attempt + 1);
      else this.#fail(new SessionError('voice-failed', reason));
    });
    voice.start().catch((e: unknown) => this.#fail(new SessionError('voice-failed', String(e), { cause: e })));
  }

  /** The last failure was this link's (a transport), not the engine's. */
  #transportFailed = false;

  #fail(error: SessionError): void {
    this.#transportFailed = true;
    this.#host.set({ ...this.#host.state(), voice: { status: 'failed', error } });
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    this.#deps.clearTimer(this.#timer);
    this.#timer = null;
  }
}
