/**
 * The direct connections of one node file peer (issue 16): a node-datachannel
 * PeerConnection per other session, signalled with `FileSignal` through the
 * relay, descriptions signed so each side's DTLS fingerprint is bound to its
 * key (docs/PROTOCOL.md "Files"). Either side may offer; when both offer at
 * once (two downloaders named to each other), the offer of the smaller
 * identity key wins and the other side answers it instead of its own (the
 * same rule as the browser's client/files/peer-mesh.ts, so a browser and a
 * node peer settle glare alike).
 */
import { sign } from 'node:crypto';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { decodeFileDescription, encodeFileDescription, FileSdpKind, FileWireSchema, sdpFingerprint } from '../../../proto/index.ts';
import type { FileSignal, FileWire } from '../../../proto/index.ts';
import { verifyEd25519 } from '../../../relay/access/ed25519.ts';
import { splitCandidates } from '../../../client/files/peer-connection.ts';
import { rawPublicKeyOf } from '../relay-client.ts';
import type { TestClient } from '../relay-client.ts';

/** One `FileWire` message as built by a sender. */
export type WireInit = MessageInitShape<typeof FileWireSchema>['msg'];

/** One connection to another session. */
export interface Link {
  readonly peerId: number;
  readonly peerKey: Uint8Array;
  readonly fileId: Uint8Array;
  readonly offerer: boolean;
  readonly pc: PeerConnection;
  dc?: DataChannel;
  open: boolean;
  /** The remote description was applied (later ones are ignored). */
  remoteSet: boolean;
  /** Offers made for this connection so far (a failed one is retried a few times). */
  readonly attempt: number;
  /** An offerer's own candidates, held until the answer is applied (as client/files/peer-connection.ts does, D116). */
  readonly held: { candidate: string; mid: string }[];
}

/** Offers made to one peer before a connection that never opened counts as gone. */
const MAX_ATTEMPTS = 3;

/** What the links report to their owner. */
export interface PeerLinksDeps {
  readonly client: TestClient;
  readonly onMessage: (link: Link, msg: FileWire) => void;
  /** A link closed or failed (the peer left, or ICE or the association failed). */
  readonly onClosed: (peerId: number) => void;
}

/** Connections by peer session id. */
export class PeerLinks {
  readonly #deps: PeerLinksDeps;
  readonly #links = new Map<number, Link>();
  readonly #waiters = new Map<number, ((link: Link) => void)[]>();

  constructor(deps: PeerLinksDeps) {
    this.#deps = deps;
  }

  get #self(): number {
    return this.#deps.client.sessionId;
  }

  /** The link to `peerId`, if any (open or not). */
  get(peerId: number): Link | undefined {
    return this.#links.get(peerId);
  }

  /** Peer ids with a link (open or not). */
  ids(): number[] {
    return [...this.#links.keys()];
  }

  /** Open links. */
  open(): Link[] {
    return [...this.#links.values()].filter((l) => l.open);
  }

  /** Offers to `peerId` unless a link exists; resolves once a link to it is open (ours or, after glare, theirs). */
  connect(peerId: number, peerKey: Uint8Array, fileId: Uint8Array): Promise<Link> {
    const existing = this.#links.get(peerId);
    if (existing?.open) return Promise.resolve(existing);
    const opened = new Promise<Link>((resolve) => {
      const list = this.#waiters.get(peerId) ?? [];
      list.push(resolve);
      this.#waiters.set(peerId, list);
    });
    if (!existing) this.#newLink(peerId, peerKey, fileId, true);
    return opened;
  }

  /** Sends one message (queued by SCTP if need be); false when the channel is not open. */
  send(link: Link, msg: WireInit): boolean {
    if (!link.open || !link.dc?.isOpen()) return false;
    try {
      // Its boolean only says whether it left at once or was buffered.
      link.dc.sendMessageBinary(toBinary(FileWireSchema, create(FileWireSchema, { msg })));
      return true;
    } catch {
      // The association went away under us: the peer is gone.
      return false;
    }
  }

  /** A `FileSignal` the relay passed on. */
  signal(msg: FileSignal): void {
    const fromId = msg.sessionId;
    const s = msg.signal;
    let link = this.#links.get(fromId);
    if (s.case === 'description') {
      const d = decodeFileDescription(s.value.body);
      // The identity binding: signed by the key the relay stamped, and the fingerprint is the SDP's own.
      if (!d.ok || !verifyEd25519(msg.peerKey, s.value.body, s.value.signature) || !Buffer.from(d.value.fromKey).equals(Buffer.from(msg.peerKey))) return;
      const fp = sdpFingerprint(d.value.sdp);
      if (!fp || !Buffer.from(fp).equals(Buffer.from(d.value.fingerprint))) return;
      const isOffer = d.value.kind === FileSdpKind.offer;
      if (isOffer && link?.offerer && !link.open) {
        // Glare: both offered. The smaller key's offer wins (as in the browser's peer-mesh.ts).
        if (Buffer.compare(Buffer.from(rawPublicKeyOf(this.#deps.client.key)), Buffer.from(msg.peerKey)) < 0) return;
        this.#close(link);
        link = undefined;
      }
      if (isOffer && link && !link.offerer) {
        // A new offer from the side that offered before: it started over (its attempt failed).
        this.#close(link);
        link = undefined;
      }
      if (isOffer && link) return;
      if (!isOffer && (!link?.offerer || link.remoteSet)) return;
      link ??= this.#newLink(fromId, msg.peerKey, msg.fileId, false);
      link.remoteSet = true;
      try {
        link.pc.setRemoteDescription(d.value.sdp, isOffer ? 'offer' : 'answer');
        if (!isOffer) for (const c of link.held.splice(0)) this.#signal({ fileId: link.fileId, sessionId: fromId, signal: { case: 'candidate', value: c } });
      } catch {
        this.drop(fromId);
      }
    } else if (s.case === 'candidate' && link) {
      try {
        link.pc.addRemoteCandidate(s.value.candidate, s.value.mid);
      } catch {
        // A candidate for a connection being replaced.
      }
    }
  }

  /** Closes the link to `peerId` (no `onClosed` for it). */
  drop(peerId: number): void {
    const link = this.#links.get(peerId);
    if (link) this.#close(link);
  }

  /** Closes every link. */
  close(): void {
    for (const link of [...this.#links.values()]) this.#close(link);
    this.#waiters.clear();
  }

  #close(link: Link): void {
    if (this.#links.get(link.peerId) === link) this.#links.delete(link.peerId);
    try {
      link.dc?.close();
      link.pc.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * A link closed or failed by itself: forgotten, and the owner told. An
   * offer that never opened is first made again (up to {@link MAX_ATTEMPTS}).
   */
  #lost(link: Link): void {
    if (this.#links.get(link.peerId) !== link) return;
    this.#close(link);
    if (link.offerer && !link.open && link.attempt < MAX_ATTEMPTS && this.#waiters.has(link.peerId)) {
      this.#newLink(link.peerId, link.peerKey, link.fileId, true, link.attempt + 1);
      return;
    }
    this.#deps.onClosed(link.peerId);
  }

  #newLink(peerId: number, peerKey: Uint8Array, fileId: Uint8Array, offerer: boolean, attempt = 1): Link {
    const client = this.#deps.client;
    const pc = new nodeDataChannel.PeerConnection(`file-${this.#self}-${peerId}-${offerer ? 'o' : 'a'}${attempt}`, { iceServers: [] });
    const link: Link = { peerId, peerKey, fileId, offerer, pc, open: false, remoteSet: false, attempt, held: [] };
    // ICE can fail even on loopback when the box is busy (checks time out): the link is gone, and a later answer may name the peer again.
    pc.onStateChange((state) => {
      if (state === 'failed' || state === 'closed') setImmediate(() => this.#lost(link));
    });
    const opened = (): void => {
      if (this.#links.get(peerId) !== link || link.open) return;
      link.open = true;
      for (const w of this.#waiters.get(peerId) ?? []) w(link);
      this.#waiters.delete(peerId);
    };
    const attach = (dc: DataChannel): void => {
      link.dc = dc;
      dc.onMessage((data) => {
        if (typeof data === 'string' || this.#links.get(peerId) !== link) return;
        // node-datachannel dispatches each callback kind on its own queue, so a message can come before the open
        // event: it proves the channel open, and a reply sent now must not be dropped as "not open".
        opened();
        const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        let msg: FileWire;
        try {
          msg = fromBinary(FileWireSchema, bytes);
        } catch {
          return;
        }
        this.#deps.onMessage(link, msg);
      });
      dc.onClosed(() => this.#lost(link));
      if (dc.isOpen()) opened();
      else dc.onOpen(opened);
    };
    pc.onLocalDescription((local, type) => {
      const fingerprint = sdpFingerprint(local);
      if (!fingerprint || this.#links.get(peerId) !== link) return;
      // An offer's candidates wait for the answer, like trickled ones (see Link.held).
      const split = type === 'offer' ? splitCandidates(local) : null;
      if (split) link.held.push(...split.candidates.map((c) => ({ candidate: c.candidate, mid: c.sdpMid })));
      const sdp = split ? split.sdp : local;
      const body = encodeFileDescription({
        relayKey: client.hello.relayPublicKey,
        fileId,
        fromKey: rawPublicKeyOf(client.key),
        toKey: peerKey,
        kind: type === 'offer' ? FileSdpKind.offer : FileSdpKind.answer,
        fingerprint,
        sdp,
      });
      this.#signal({ fileId, sessionId: peerId, signal: { case: 'description', value: { body, signature: new Uint8Array(sign(null, body, client.key)) } } });
    });
    pc.onLocalCandidate((candidate, mid) => {
      if (this.#links.get(peerId) !== link) return;
      if (link.offerer && !link.remoteSet) link.held.push({ candidate, mid });
      else this.#signal({ fileId, sessionId: peerId, signal: { case: 'candidate', value: { candidate, mid } } });
    });
    this.#links.set(peerId, link);
    if (offerer) attach(pc.createDataChannel('parley-file'));
    else pc.onDataChannel(attach);
    return link;
  }

  #signal(value: { fileId: Uint8Array; sessionId: number; signal: { case: 'description'; value: { body: Uint8Array; signature: Uint8Array } } | { case: 'candidate'; value: { candidate: string; mid: string } } }): void {
    if (this.#deps.client.socket.isOpen) this.#deps.client.send({ case: 'fileSignal', value });
  }
}
