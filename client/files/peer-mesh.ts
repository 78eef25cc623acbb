/**
 * The direct connections of one file: one PeerConnection per other session,
 * signalled with `FileSignal` through the relay (descriptions signed, see
 * signed-description.ts). The downloader offers; a holder answers whoever the
 * relay introduces. When a connection cannot be made the mesh says so, and
 * the owner switches that file to the relay fallback.
 *
 * Glare (two downloaders named to each other offer at the same moment) is
 * settled by a fixed rule both sides compute alike, the same one the node
 * test peer uses (test/helpers/files/peer-links.ts): the offer of the
 * smaller identity key stands. The larger key closes its own connection and
 * answers that offer on a fresh one; the smaller key ignores the other offer
 * and the candidates that follow it. No rollback is needed, which
 * node-datachannel's RTCPeerConnection does not support. Each peer's
 * outgoing signals leave in order, so a candidate never overtakes the
 * description it belongs to (signing a description is async).
 */
import type { EnvelopeInit, FileSignal } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { FrameLink } from './frame-link.ts';
import { PeerConnection } from './peer-connection.ts';
import type { PeerSignal } from './peer-connection.ts';
import { openDescription, signDescription } from './signed-description.ts';
import type { DescriptionContext } from './signed-description.ts';

/** What a mesh needs. */
export interface PeerMeshDeps {
  readonly fileId: Uint8Array;
  readonly ctx: DescriptionContext;
  readonly send: (msg: EnvelopeInit) => boolean;
  /** ICE servers and policy for each new connection (read when it is made: the user may change it). */
  readonly rtcConfig?: () => RTCConfiguration | undefined;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** The clock of the connect deadline (peer-connection.ts). */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** A channel to session `sessionId` is up (either side opened it). */
  readonly onLink: (sessionId: number, link: FrameLink) => void;
  /** No direct path to `sessionId`. */
  readonly onFailed: (sessionId: number, reason: string) => void;
}

/** Offers made to one peer for one file before it counts as unreachable (the same as the node test peer). */
const MAX_ATTEMPTS = 3;

/** One connection and how far its negotiation got. */
interface Peer {
  readonly pc: PeerConnection;
  readonly key: Uint8Array;
  /** Incoming signals, applied one after another. */
  queue: Promise<void>;
  /** We made the offer (connect), rather than answering one. */
  readonly offerer: boolean;
  /** The other side's description was accepted. */
  remoteSet: boolean;
  /** We ignored their offer in glare: candidates until their next description belong to it and are dropped. */
  ignoring: boolean;
}

/** Connections for one file, by session id. */
export class PeerMesh {
  readonly #deps: PeerMeshDeps;
  readonly #peers = new Map<number, Peer>();

  constructor(deps: PeerMeshDeps) {
    this.#deps = deps;
  }

  has(sessionId: number): boolean {
    return this.#peers.has(sessionId);
  }

  /** Opens a connection to `sessionId` (key `peerKey`) and its file channel. */
  connect(sessionId: number, peerKey: Uint8Array): void {
    if (this.#peers.has(sessionId)) return;
    const peer = this.#create(sessionId, peerKey, true);
    this.#deps.onLink(sessionId, peer.pc.openChannel());
  }

  /** A `FileSignal` from the relay for this file; applied in arrival order per peer (checking a description is async). */
  signal(msg: FileSignal): Promise<void> {
    let entry = this.#peers.get(msg.sessionId);
    if (!entry) {
      // Only an offer may start a connection; stray answers and candidates are dropped.
      if (msg.signal.case !== 'description') return Promise.resolve();
      entry = this.#create(msg.sessionId, msg.peerKey, false);
    }
    const run = (): Promise<void> => this.#apply(msg);
    entry.queue = entry.queue.then(run, run);
    return entry.queue;
  }

  async #apply(msg: FileSignal): Promise<void> {
    const s = msg.signal;
    let entry = this.#peers.get(msg.sessionId);
    if (!entry) return;
    if (toHex(entry.key) !== toHex(msg.peerKey)) return;
    if (s.case === 'candidate') {
      if (entry.ignoring) return;
      return entry.pc.signal({ kind: 'candidate', candidate: s.value.candidate, mid: s.value.mid });
    }
    if (s.case !== 'description') return;
    const opened = await openDescription(this.#deps.ctx, this.#deps.fileId, entry.key, s.value);
    if (!opened || this.#peers.get(msg.sessionId) !== entry) return;
    if (opened.type === 'answer') {
      // Only our own offer is answered, once.
      if (!entry.offerer || entry.remoteSet) return;
    } else if (entry.offerer && !entry.remoteSet && toHex(this.#deps.ctx.selfKey) < toHex(entry.key)) {
      // Glare, and our offer stands: theirs is ignored with its candidates; they answer ours.
      entry.ignoring = true;
      return;
    } else if (entry.offerer || entry.remoteSet) {
      // Glare where their offer stands, or a peer that started over: answer it on a fresh connection.
      entry = this.#replace(entry, msg.sessionId);
    }
    entry.remoteSet = true;
    entry.ignoring = false;
    await entry.pc.signal({ kind: 'description', type: opened.type, sdp: opened.sdp });
  }

  /** A fresh answering connection instead of `old` (closed); signals queued behind `old`'s keep their order. */
  #replace(old: Peer, sessionId: number): Peer {
    old.pc.close();
    this.#peers.delete(sessionId);
    const fresh = this.#create(sessionId, old.key, false);
    fresh.queue = old.queue;
    return fresh;
  }

  /** Forgets `sessionId` (its connection closes). */
  drop(sessionId: number): void {
    this.#peers.get(sessionId)?.pc.close();
    this.#peers.delete(sessionId);
  }

  close(): void {
    for (const id of [...this.#peers.keys()]) this.drop(id);
  }

  #create(sessionId: number, peerKey: Uint8Array, offerer: boolean, attempt = 1): Peer {
    const d = this.#deps;
    // Outgoing signals in order: a candidate waits for the (async) signing of the description before it.
    let out: Promise<void> = Promise.resolve();
    const sendSignal = (s: PeerSignal): void => {
      out = out.then(async () => {
        if (this.#peers.get(sessionId)?.pc !== pc) return;
        if (s.kind === 'candidate') {
          d.send({ case: 'fileSignal', value: { fileId: d.fileId, sessionId, signal: { case: 'candidate', value: { candidate: s.candidate, mid: s.mid } } } });
          return;
        }
        const signed = await signDescription(d.ctx, d.fileId, peerKey, s.type, s.sdp);
        if (signed) d.send({ case: 'fileSignal', value: { fileId: d.fileId, sessionId, signal: { case: 'description', value: signed } } });
      }).catch((e) => console.warn(`file peer signal not sent [reason:${String(e)}]`));
    };
    const rtcConfig = d.rtcConfig?.();
    const pc: PeerConnection = new PeerConnection({
      sendSignal,
      ...(rtcConfig ? { rtcConfig } : {}),
      ...(d.createPeerConnection ? { createPeerConnection: d.createPeerConnection } : {}),
      ...(d.setTimer ? { setTimer: d.setTimer } : {}),
      ...(d.clearTimer ? { clearTimer: d.clearTimer } : {}),
      onChannel: (link) => d.onLink(sessionId, link),
      onFailed: (reason, retry) => {
        // Only the connection that failed: a newer one to the same peer stays.
        const peer = this.#peers.get(sessionId);
        if (peer?.pc !== pc) return;
        this.drop(sessionId);
        if (retry && !pc.opened) {
          // Our own offer that never opened, for a reason a fresh connection may not meet: offer again (as the node peer does).
          if (offerer && attempt < MAX_ATTEMPTS) {
            console.warn(`file peer connection retried [attempt:${attempt + 1}] [reason:${reason}]`);
            const fresh = this.#create(sessionId, peerKey, true, attempt + 1);
            d.onLink(sessionId, fresh.pc.openChannel());
            return;
          }
          // An answer that never opened: the offerer starts over (or gives up and says so itself).
          if (!offerer) return;
        }
        d.onFailed(sessionId, reason);
      },
    });
    const peer: Peer = { pc, key: peerKey.slice(), queue: Promise.resolve(), offerer, remoteSet: false, ignoring: false };
    this.#peers.set(sessionId, peer);
    return peer;
  }
}
