/**
 * WebRTC signalling over the control socket: the client's offer and
 * candidates in, the relay's answer, candidates and `voiceReady` out. Owns the
 * one {@link VoicePeer} per session and binds its channel to the router.
 */
import { ErrorCode } from '../proto/index.ts';
import type { RtcSignal } from '../proto/index.ts';
import type { TypedEmitter } from './emitter.ts';
import type { RelayEvents } from './events.ts';
import type { RtcOptions } from './options.ts';
import { VoicePeer } from './rtc.ts';
import type { Session } from './session.ts';
import type { DropStats } from './stats.ts';
import type { VoiceRouter } from './voice-router.ts';

/** Dependencies of {@link VoiceSignalling}. */
export interface VoiceSignallingDeps {
  readonly router: VoiceRouter;
  readonly rtc: RtcOptions;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
}

const CONTEXT = 'rtc_signal';
/** Longest SDP accepted; a data-channel-only offer is 1-3 KB. */
const MAX_SDP_CHARS = 32 * 1024;
const MAX_CANDIDATE_CHARS = 1024;
/** Candidates kept for a session whose offer has not arrived yet (a browser may trickle one early). */
const MAX_EARLY_CANDIDATES = 32;

interface Candidate {
  readonly candidate: string;
  readonly mid: string;
}

/** Voice PeerConnections by session id. */
export class VoiceSignalling {
  readonly #deps: VoiceSignallingDeps;
  readonly #peers = new Map<number, VoicePeer>();
  readonly #early = new Map<number, Candidate[]>();

  constructor(deps: VoiceSignallingDeps) {
    this.#deps = deps;
  }

  /** Handles one rtcSignal from an authenticated session. */
  handle(session: Session, msg: RtcSignal): void {
    const sessionId = session.sessionId;
    if (sessionId === undefined) return;
    const signal = msg.signal;
    switch (signal.case) {
      case 'description': {
        const { type, sdp } = signal.value;
        if (type !== 'offer') return this.#bad(session, `expected an offer [type:${JSON.stringify(type.slice(0, 16))}]`);
        if (sdp.length === 0 || sdp.length > MAX_SDP_CHARS || !sdp.startsWith('v=0')) return this.#bad(session, 'bad sdp');
        this.#offer(session, sessionId, sdp);
        return;
      }
      case 'candidate': {
        const { candidate, mid } = signal.value;
        // An empty candidate is the browser's end-of-candidates marker: nothing to add.
        if (candidate === '') return;
        if (candidate.length > MAX_CANDIDATE_CHARS || mid.length > MAX_CANDIDATE_CHARS) return this.#bad(session, 'candidate too long');
        const peer = this.#peers.get(sessionId);
        if (!peer) {
          const early = this.#early.get(sessionId) ?? [];
          if (early.length >= MAX_EARLY_CANDIDATES) return this.#bad(session, 'too many candidates before offer');
          early.push({ candidate, mid });
          this.#early.set(sessionId, early);
          return;
        }
        this.#addCandidate(session, peer, { candidate, mid });
        return;
      }
      default:
        this.#bad(session, 'empty rtc signal');
    }
  }

  /** Closes the session's PeerConnection, if any, and forgets its early candidates. */
  close(sessionId: number): void {
    this.#early.delete(sessionId);
    this.#closePeer(sessionId);
  }

  #closePeer(sessionId: number): void {
    const peer = this.#peers.get(sessionId);
    if (!peer) return;
    this.#peers.delete(sessionId);
    peer.close();
  }

  /** Closes every PeerConnection (relay shutdown). */
  closeAll(): void {
    for (const id of [...this.#peers.keys()]) this.close(id);
  }

  #offer(session: Session, sessionId: number, sdp: string): void {
    const { router, rtc, events } = this.#deps;
    // A new offer replaces the previous connection (client reconnecting its voice).
    this.#closePeer(sessionId);
    const peer: VoicePeer = new VoicePeer(`session-${sessionId}`, rtc, {
      onDescription: (type, answer) =>
        session.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type, sdp: answer } } } }),
      onCandidate: (candidate, mid) =>
        session.send({ case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate, mid } } } }),
      onVoiceOpen: (channel) => {
        if (this.#peers.get(sessionId) !== peer) return;
        router.attach(sessionId, channel);
        session.send({ case: 'voiceReady', value: { sessionId } });
        events.emit('voice-ready', { sessionId });
      },
      onVoiceClosed: (channel) => router.detach(sessionId, channel),
      onDatagram: (message) => router.route(sessionId, message),
      onError: (where, error) => events.emit('internal-error', { where: `rtc ${where} [session:${sessionId}]`, error }),
    });
    this.#peers.set(sessionId, peer);
    try {
      peer.acceptOffer(sdp);
    } catch {
      this.close(sessionId);
      this.#bad(session, 'offer rejected');
      return;
    }
    const early = this.#early.get(sessionId);
    this.#early.delete(sessionId);
    for (const c of early ?? []) this.#addCandidate(session, peer, c);
  }

  #addCandidate(session: Session, peer: VoicePeer, c: Candidate): void {
    try {
      peer.addCandidate(c.candidate, c.mid);
    } catch {
      this.#bad(session, 'candidate rejected');
    }
  }

  #bad(session: Session, message: string): void {
    this.#deps.stats.frame('bad-request', session.connId, message);
    session.sendError(ErrorCode.BAD_REQUEST, message, CONTEXT);
  }
}
