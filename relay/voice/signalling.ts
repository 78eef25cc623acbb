/**
 * WebRTC signalling over the control socket: the client's offer and
 * candidates in (validated here), the relay's answer, candidates and
 * `voiceReady` out. The PeerConnections live in a {@link VoicePlane} (this
 * process or voice worker processes); this module is the session-facing half
 * and implements the plane's {@link VoicePlaneOutput}.
 */
import { ErrorCode } from '../../proto/index.ts';
import type { RtcSignal } from '../../proto/index.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';
import type { VoicePlane, VoicePlaneOutput } from './plane.ts';

/** Dependencies of {@link VoiceSignalling}. */
export interface VoiceSignallingDeps {
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  /** The authenticated session with this id, if it is still connected. */
  readonly sessionById: (sessionId: number) => Session | undefined;
  /** A session's voice worker died: the relay closes its control socket so the client reconnects (and re-offers). */
  readonly onVoiceLost: (session: Session) => void;
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
  /** The client's offer number (0: not numbered). */
  readonly offerId: number;
}

/**
 * Whether a client's candidate belongs with offer `current`: numbered
 * candidates must name it; an unnumbered one (a client from before
 * `offer_id`) or one for an unnumbered offer is taken as the current one's.
 */
function sameOffer(candidateOffer: number, current: number): boolean {
  return candidateOffer === 0 || current === 0 || candidateOffer === current;
}

/** Validates rtcSignal messages and relays them to and from the voice plane. */
export class VoiceSignalling implements VoicePlaneOutput {
  readonly #deps: VoiceSignallingDeps;
  #plane: VoicePlane | undefined;
  /** Sessions with an offer in the plane, to the client's number of that offer (candidates go straight through). */
  readonly #offered = new Map<number, number>();
  readonly #early = new Map<number, Candidate[]>();

  constructor(deps: VoiceSignallingDeps) {
    this.#deps = deps;
  }

  /** Binds the plane (created after this object, since this object is its output). */
  bind(plane: VoicePlane): void {
    this.#plane = plane;
  }

  /** Handles one rtcSignal from an authenticated session. */
  handle(session: Session, msg: RtcSignal): void {
    const sessionId = session.sessionId;
    const plane = this.#plane;
    if (sessionId === undefined || plane === undefined) return;
    const signal = msg.signal;
    switch (signal.case) {
      case 'description': {
        const { type, sdp, bundles, offerId } = signal.value;
        if (type !== 'offer') return this.#bad(session, `expected an offer [type:${JSON.stringify(type.slice(0, 16))}]`);
        if (sdp.length === 0 || sdp.length > MAX_SDP_CHARS || !sdp.startsWith('v=0')) return this.#bad(session, 'bad sdp');
        this.#offered.set(sessionId, offerId);
        plane.offer(sessionId, sdp, bundles, offerId);
        const early = this.#early.get(sessionId);
        this.#early.delete(sessionId);
        for (const c of early ?? []) if (sameOffer(c.offerId, offerId)) plane.candidate(sessionId, c.candidate, c.mid);
        return;
      }
      case 'candidate': {
        const { candidate, mid, offerId } = signal.value;
        // An empty candidate is the browser's end-of-candidates marker: nothing to add.
        if (candidate === '') return;
        if (candidate.length > MAX_CANDIDATE_CHARS || mid.length > MAX_CANDIDATE_CHARS) return this.#bad(session, 'candidate too long');
        const current = this.#offered.get(sessionId);
        if (current === undefined) {
          const early = this.#early.get(sessionId) ?? [];
          if (early.length >= MAX_EARLY_CANDIDATES) return this.#bad(session, 'too many candidates before offer');
          early.push({ candidate, mid, offerId });
          this.#early.set(sessionId, early);
          return;
        }
        // A candidate of an offer the client has since replaced: not this PeerConnection's.
        if (!sameOffer(offerId, current)) return;
        plane.candidate(sessionId, candidate, mid);
        return;
      }
      default:
        this.#bad(session, 'empty rtc signal');
    }
  }

  /** The session ended: closes its PeerConnection, if any, and forgets its early candidates. */
  close(sessionId: number): void {
    this.#early.delete(sessionId);
    this.#offered.delete(sessionId);
    this.#plane?.end(sessionId);
  }

  // --- VoicePlaneOutput ---

  description(sessionId: number, offerId: number, type: string, sdp: string): void {
    this.#deps.sessionById(sessionId)?.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type, sdp, offerId } } } });
  }

  candidate(sessionId: number, offerId: number, candidate: string, mid: string): void {
    this.#deps.sessionById(sessionId)?.send({ case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate, mid, offerId } } } });
  }

  ready(sessionId: number): void {
    const session = this.#deps.sessionById(sessionId);
    if (!session) return;
    session.send({ case: 'voiceReady', value: { sessionId } });
    this.#deps.events.emit('voice-ready', { sessionId });
  }

  rejected(sessionId: number, what: 'offer' | 'candidate'): void {
    if (what === 'offer') this.#offered.delete(sessionId);
    const session = this.#deps.sessionById(sessionId);
    if (session) this.#bad(session, what === 'offer' ? 'offer rejected' : 'candidate rejected');
  }

  lost(sessionId: number): void {
    this.#offered.delete(sessionId);
    const session = this.#deps.sessionById(sessionId);
    if (session) this.#deps.onVoiceLost(session);
  }

  #bad(session: Session, message: string): void {
    this.#deps.stats.frame('bad-request', session.connId, message);
    session.sendError(ErrorCode.BAD_REQUEST, message, CONTEXT);
  }
}
