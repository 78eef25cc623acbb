/**
 * The direct connections of one file: one PeerConnection per other session,
 * signalled with `FileSignal` through the relay (descriptions signed, see
 * signed-description.ts). The downloader offers; a holder answers whoever the
 * relay introduces. When a connection cannot be made the mesh says so, and
 * the owner switches that file to the relay fallback.
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

/** Connections for one file, by session id. */
export class PeerMesh {
  readonly #deps: PeerMeshDeps;
  readonly #peers = new Map<number, { pc: PeerConnection; key: Uint8Array; queue: Promise<void> }>();

  constructor(deps: PeerMeshDeps) {
    this.#deps = deps;
  }

  has(sessionId: number): boolean {
    return this.#peers.has(sessionId);
  }

  /** Opens a connection to `sessionId` (key `peerKey`) and its file channel. */
  connect(sessionId: number, peerKey: Uint8Array): void {
    if (this.#peers.has(sessionId)) return;
    const pc = this.#create(sessionId, peerKey);
    this.#deps.onLink(sessionId, pc.openChannel());
  }

  /** A `FileSignal` from the relay for this file; applied in arrival order per peer (checking a description is async). */
  signal(msg: FileSignal): Promise<void> {
    let entry = this.#peers.get(msg.sessionId);
    if (!entry) {
      // Only an offer may start a connection; stray answers and candidates are dropped.
      if (msg.signal.case !== 'description') return Promise.resolve();
      this.#create(msg.sessionId, msg.peerKey);
      entry = this.#peers.get(msg.sessionId)!;
    }
    const run = (): Promise<void> => this.#apply(msg);
    entry.queue = entry.queue.then(run, run);
    return entry.queue;
  }

  async #apply(msg: FileSignal): Promise<void> {
    const s = msg.signal;
    const entry = this.#peers.get(msg.sessionId);
    if (!entry) return;
    if (toHex(entry.key) !== toHex(msg.peerKey)) return;
    if (s.case === 'candidate') return entry.pc.signal({ kind: 'candidate', candidate: s.value.candidate, mid: s.value.mid });
    if (s.case !== 'description') return;
    const opened = await openDescription(this.#deps.ctx, this.#deps.fileId, entry.key, s.value);
    if (opened) await entry.pc.signal({ kind: 'description', type: opened.type, sdp: opened.sdp });
  }

  /** Forgets `sessionId` (its connection closes). */
  drop(sessionId: number): void {
    this.#peers.get(sessionId)?.pc.close();
    this.#peers.delete(sessionId);
  }

  close(): void {
    for (const id of [...this.#peers.keys()]) this.drop(id);
  }

  #create(sessionId: number, peerKey: Uint8Array): PeerConnection {
    const d = this.#deps;
    const sendSignal = (s: PeerSignal): void => {
      if (s.kind === 'candidate') {
        d.send({ case: 'fileSignal', value: { fileId: d.fileId, sessionId, signal: { case: 'candidate', value: { candidate: s.candidate, mid: s.mid } } } });
        return;
      }
      void signDescription(d.ctx, d.fileId, peerKey, s.type, s.sdp).then((signed) => {
        if (signed) d.send({ case: 'fileSignal', value: { fileId: d.fileId, sessionId, signal: { case: 'description', value: signed } } });
      });
    };
    const rtcConfig = d.rtcConfig?.();
    const pc = new PeerConnection({
      // The smaller key yields on an offer collision.
      polite: toHex(d.ctx.selfKey) < toHex(peerKey),
      sendSignal,
      ...(rtcConfig ? { rtcConfig } : {}),
      ...(d.createPeerConnection ? { createPeerConnection: d.createPeerConnection } : {}),
      ...(d.setTimer ? { setTimer: d.setTimer } : {}),
      ...(d.clearTimer ? { clearTimer: d.clearTimer } : {}),
      onChannel: (link) => d.onLink(sessionId, link),
      onFailed: (reason) => {
        // Only the connection that failed: a newer one to the same peer stays.
        if (this.#peers.get(sessionId)?.pc !== pc) return;
        this.drop(sessionId);
        d.onFailed(sessionId, reason);
      },
    });
    this.#peers.set(sessionId, { pc, key: peerKey.slice(), queue: Promise.resolve() });
    return pc;
  }
}
