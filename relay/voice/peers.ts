/**
 * The in-process voice plane: one {@link VoicePeer} per session, its voice
 * channel bound to a {@link VoiceRouter}. The relay runs it in its main
 * process by default, and each voice worker process runs one too.
 */
import type { RtcOptions } from '../options.ts';
import { VoicePeer } from './rtc.ts';
import type { VoicePlane, VoicePlaneOutput, VoiceWorkerStats } from './plane.ts';
import type { VoiceRouter } from './router.ts';

/** Dependencies of {@link VoicePeers}. */
export interface VoicePeersDeps {
  readonly router: VoiceRouter;
  readonly rtc: RtcOptions;
  readonly output: VoicePlaneOutput;
  /** A native callback threw; the process keeps running. */
  readonly onError: (where: string, error: unknown) => void;
}

/** Voice PeerConnections by session id, in this process. */
export class VoicePeers implements VoicePlane {
  readonly #deps: VoicePeersDeps;
  readonly #peers = new Map<number, VoicePeer>();

  constructor(deps: VoicePeersDeps) {
    this.#deps = deps;
  }

  /** Session ids with a PeerConnection here. */
  sessions(): number[] {
    return [...this.#peers.keys()];
  }

  offer(sessionId: number, sdp: string, bundles: boolean, offerId: number): void {
    const { router, rtc, output, onError } = this.#deps;
    // A new offer replaces the previous connection (client reconnecting its voice).
    this.#closePeer(sessionId);
    // A replaced PeerConnection's late answer or candidate is dropped here; what passes is
    // stamped with its own offer's number, so the client can tell it from an older offer's.
    const current = (): boolean => this.#peers.get(sessionId) === peer;
    const peer: VoicePeer = new VoicePeer(`session-${sessionId}`, rtc, {
      onDescription: (type, answer) => {
        if (current()) output.description(sessionId, offerId, type, answer);
      },
      onCandidate: (candidate, mid) => {
        if (current()) output.candidate(sessionId, offerId, candidate, mid);
      },
      onVoiceOpen: (channel) => {
        if (this.#peers.get(sessionId) !== peer) return;
        router.attach(sessionId, channel, { bundles });
        output.ready(sessionId);
      },
      onVoiceClosed: (channel) => router.detach(sessionId, channel),
      onDatagram: (message) => router.route(sessionId, message),
      onError: (where, error) => onError(`rtc ${where} [session:${sessionId}]`, error),
    });
    this.#peers.set(sessionId, peer);
    try {
      peer.acceptOffer(sdp);
    } catch {
      this.#closePeer(sessionId);
      output.rejected(sessionId, 'offer');
    }
  }

  candidate(sessionId: number, candidate: string, mid: string): void {
    const peer = this.#peers.get(sessionId);
    if (!peer) return;
    try {
      peer.addCandidate(candidate, mid);
    } catch {
      this.#deps.output.rejected(sessionId, 'candidate');
    }
  }

  end(sessionId: number): void {
    this.#closePeer(sessionId);
    this.#deps.router.remove(sessionId);
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }

  workers(): readonly VoiceWorkerStats[] {
    return [];
  }

  async close(): Promise<void> {
    // Every channel first, then every PeerConnection: the order node-datachannel's cleanup survives (rtc.ts).
    for (const peer of this.#peers.values()) peer.closeChannels();
    for (const id of [...this.#peers.keys()]) this.end(id);
  }

  #closePeer(sessionId: number): void {
    const peer = this.#peers.get(sessionId);
    if (!peer) return;
    this.#peers.delete(sessionId);
    peer.close();
  }
}
