/**
 * The boundary between voice signalling (validated client messages on the
 * control socket, in the main process) and the voice plane that owns the
 * PeerConnections and forwards datagrams. Two planes exist: in this process
 * ({@link VoicePeers}, the default) or in worker child processes
 * (relay/voice/workers/). Signalling does not know which one it talks to.
 */

/** What a voice plane reports back, per session. Called with validated values only. */
export interface VoicePlaneOutput {
  /** Local SDP (the answer) for the client; `offerId`: the offer it answers (as given to `offer`). */
  description(sessionId: number, offerId: number, type: string, sdp: string): void;
  /** Local ICE candidate for the client, of the PeerConnection made for offer `offerId`. */
  candidate(sessionId: number, offerId: number, candidate: string, mid: string): void;
  /** The session's voice channel is open and bound to the router. */
  ready(sessionId: number): void;
  /** The offer or a candidate was refused by libdatachannel. */
  rejected(sessionId: number, what: 'offer' | 'candidate'): void;
  /** The session's PeerConnection is gone through no act of the client (its voice worker died). */
  lost(sessionId: number): void;
}

/** Where PeerConnections live. Methods never throw for bad SDP; refusals come back through `rejected`. */
export interface VoicePlane {
  /**
   * Applies a client's offer on a fresh PeerConnection, replacing the
   * session's previous one. `bundles`: the client reads BUNDLE datagrams.
   * `offerId`: the client's number for this offer (0: not numbered), echoed
   * in the answer and candidates this PeerConnection reports.
   */
  offer(sessionId: number, sdp: string, bundles: boolean, offerId: number): void;
  /** Adds a client candidate to the session's PeerConnection (ignored when it has none). */
  candidate(sessionId: number, candidate: string, mid: string): void;
  /** The session ended: close its PeerConnection and forget it. */
  end(sessionId: number): void;
  /**
   * Resolves once every presence change made so far is in force for voice
   * (at once in-process; after one IPC round trip to each worker).
   */
  settled(): Promise<void>;
  /** Per-worker counters; empty for the in-process plane. */
  workers(): readonly VoiceWorkerStats[];
  /** Closes every PeerConnection (and worker). Idempotent. */
  close(): Promise<void>;
}

/** One voice worker process as `relay.stats().voiceWorkers` reports it. */
export interface VoiceWorkerStats {
  /** Worker slot, 0-based; a respawned worker keeps its slot. */
  readonly index: number;
  /** OS process id of the current process in this slot (0 while none runs). */
  readonly pid: number;
  /** Sessions whose PeerConnection is placed on this worker. */
  readonly sessions: readonly number[];
  /** Copies this slot sent to clients (over all its processes). */
  readonly forwarded: number;
  /** Datagrams this slot dropped, all reasons together. */
  readonly dropped: number;
  /** Times a process in this slot exited unexpectedly. */
  readonly crashes: number;
}
