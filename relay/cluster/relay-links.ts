/**
 * Relay-to-relay voice links: one node-datachannel PeerConnection per pair of
 * relays with one unordered, no-retransmit DataChannel (`relay-voice`), so a
 * frame between relays is as cheap and as lossy as one to a client, and keeps
 * flowing while NATS is away once it is up.
 *
 * Signalling is one core NATS request per link, on
 * `parley.<cluster>.rtc.<answering relay>`: the relay with the smaller id
 * offers (so two relays never race to link each other), the other answers.
 * A relay with the larger id that wants a link and has none rings the other
 * (a signed `ring` message), which drops any open link it still holds to it
 * (left from before a restart, not yet noticed as dead) and offers again.
 * Both wait for ICE gathering to finish and send the whole description, so
 * there is no candidate trickle. Descriptions are signed with the
 * organisation's key and checked (link-codec.ts): a relay links only to
 * relays holding the same key. A link that fails or closes is dropped and
 * offered again on the next retry round while it is still wanted.
 *
 * As in relay/voice/rtc.ts, every channel is closed before its
 * PeerConnection, and references are kept until then (node-datachannel
 * crashes on channels collected mid-teardown); native callbacks are guarded.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { ErrorCode } from '../../proto/index.ts';
import type { RelayIdentity } from '../access/identity.ts';
import type { RtcOptions } from '../options.ts';
import { decodeLinkReply, decodeLinkSignal, encodeLinkRefusal, encodeLinkSignal } from './link-codec.ts';

/** Longest wait between offers to a relay that keeps failing. */
const MAX_BACKOFF_MS = 30_000;

/** The label of the one channel of a relay link. */
export const RELAY_LINK_LABEL = 'relay-voice';

/** Dependencies of {@link RelayLinks}. */
export interface RelayLinksDeps {
  readonly nc: NatsConnection;
  /** Subject prefix; relay `x` answers offers on `<prefix>.x`. */
  readonly subjectPrefix: string;
  readonly relayId: string;
  /** The organisation's key (the relay key every relay of the cluster presents). */
  readonly identity: RelayIdentity;
  readonly rtc: RtcOptions;
  readonly now: () => number;
  /** How long an offer may wait for its answer. */
  readonly requestTimeoutMs: number;
  /** How often wanted links that are down are offered again, ms. */
  readonly retryMs: number;
  /** One message on a link from relay `peer` (hot path). */
  readonly onDatagram: (peer: string, message: Uint8Array) => void;
  /** A link opened or went down. */
  readonly onLink?: (peer: string, up: boolean) => void;
  /** A peer's signal was refused (bad signature, stale, malformed), or a native callback threw. */
  readonly onError: (where: string, error: unknown) => void;
}

interface Link {
  readonly peer: string;
  readonly pc: PeerConnection;
  readonly channels: DataChannel[];
  open: DataChannel | null;
  closed: boolean;
}

/** See the module comment. */
export class RelayLinks {
  readonly #deps: RelayLinksDeps;
  readonly #links = new Map<string, Link>();
  #wanted: ReadonlySet<string> = new Set();
  /** Stamp of the last offer and ring accepted from each peer (`<type>:<peer>`). */
  readonly #lastStamp = new Map<string, number>();
  /** Offers that failed: not before `at`, then after twice `delay` (a relay gone but still in presence is not offered every second). */
  readonly #backoff = new Map<string, { at: number; delay: number }>();
  #sub: Subscription | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  constructor(deps: RelayLinksDeps) {
    this.#deps = deps;
    this.#sub = deps.nc.subscribe(`${deps.subjectPrefix}.${deps.relayId}`, { callback: (error, msg) => void (error ? null : this.#answer(msg)) });
    this.#timer = setInterval(() => this.#ensure(), deps.retryMs);
  }

  /** The relays this one should be linked to now (those with users, from presence). */
  want(peers: ReadonlySet<string>): void {
    this.#wanted = peers;
    this.#ensure();
  }

  /** Sends one message to `peer`; false when there is no open link (the frame is lost, as on a lossy network). */
  send(peer: string, bytes: Uint8Array): boolean {
    const dc = this.#links.get(peer)?.open;
    if (!dc) return false;
    try {
      dc.sendMessageBinary(bytes);
      return true;
    } catch {
      // The association was reset under the channel; its close callback drops the link.
      return false;
    }
  }

  /** Peers with an open link. */
  up(): string[] {
    return [...this.#links.values()].filter((l) => l.open).map((l) => l.peer);
  }

  #ensure(): void {
    const { nc, relayId, identity, subjectPrefix, now } = this.#deps;
    if (this.#closed || nc.isClosed()) return;
    for (const peer of this.#wanted) {
      if (peer === relayId || this.#links.has(peer)) continue;
      // The smaller id offers; the other rings it (it may still hold a link to this relay's previous run).
      if (relayId < peer) {
        if (now() >= (this.#backoff.get(peer)?.at ?? 0)) void this.#offer(peer);
      }
      else nc.publish(`${subjectPrefix}.${peer}`, encodeLinkSignal({ type: 'ring', from: relayId, to: peer, ts: now(), sdp: '-' }, identity.privateKey));
    }
  }

  /** The other relay has no link to this one: drop a link it left behind and offer again (a link being made is left to finish). */
  #rung(peer: string): void {
    if (!this.#wanted.has(peer) || this.#deps.relayId > peer) return;
    const link = this.#links.get(peer);
    if (link && !link.open) return;
    if (link) this.#drop(link);
    void this.#offer(peer);
  }

  async #offer(peer: string): Promise<void> {
    const { nc, identity, relayId, subjectPrefix, requestTimeoutMs, now } = this.#deps;
    const link = this.#newLink(peer);
    try {
      link.channels.push(this.#bindChannel(link, link.pc.createDataChannel(RELAY_LINK_LABEL, { unordered: true, maxRetransmits: 0 })));
      const sdp = await this.#gathered(link);
      const request = encodeLinkSignal({ type: 'offer', from: relayId, to: peer, ts: now(), sdp }, identity.privateKey);
      const reply = await nc.request(`${subjectPrefix}.${peer}`, request, { timeout: requestTimeoutMs });
      const decoded = decodeLinkReply(reply.data, { orgKey: identity.publicKey, self: relayId, now: now() });
      if (!decoded.ok) throw new Error(`answer from ${peer} refused: ${decoded.problem}`);
      if (!decoded.value.ok) throw new Error(`${peer} refused the link [code:${decoded.value.code}] ${decoded.value.detail}`);
      if (decoded.value.signal.from !== peer) throw new Error(`answer for ${peer} came from ${decoded.value.signal.from}`);
      if (!link.closed) link.pc.setRemoteDescription(decoded.value.signal.sdp, 'answer');
    } catch (error) {
      // NATS away, the peer gone or refusing: drop it; a later retry round offers again while wanted.
      if (!this.#closed && !link.closed) this.#deps.onError(`relay link offer [peer:${peer}]`, error);
      this.#drop(link);
      const delay = Math.min(MAX_BACKOFF_MS, 2 * (this.#backoff.get(peer)?.delay ?? this.#deps.retryMs / 2));
      this.#backoff.set(peer, { at: this.#deps.now() + delay, delay });
    }
  }

  async #answer(msg: Msg): Promise<void> {
    const { identity, relayId, now } = this.#deps;
    const decoded = decodeLinkSignal(msg.data, { orgKey: identity.publicKey, self: relayId, expected: ['offer', 'ring'], now: now() });
    if (!decoded.ok) {
      this.#deps.onError('relay link answer', new Error(`offer refused: ${decoded.problem}`));
      msg.respond(encodeLinkRefusal(ErrorCode.CLUSTER_LINK_REFUSED, `offer ${decoded.problem}`));
      return;
    }
    if (this.#closed) return;
    const peer = decoded.value.from;
    const type = decoded.value.type;
    // A replayed offer or ring (NATS access, not the key) must not tear down a working link: stamps only go forward.
    const last = `${type}:${peer}`;
    if (decoded.value.ts <= (this.#lastStamp.get(last) ?? -1)) {
      msg.respond(encodeLinkRefusal(ErrorCode.CLUSTER_LINK_REFUSED, `${type} replayed`));
      return;
    }
    this.#lastStamp.set(last, decoded.value.ts);
    if (type === 'ring') {
      this.#rung(peer);
      return;
    }
    // A new offer replaces the link: the offering side dropped its end.
    const old = this.#links.get(peer);
    if (old) this.#drop(old);
    const link = this.#newLink(peer);
    link.pc.onDataChannel((dc) =>
      this.#guard('relay link channel', () => {
        link.channels.push(dc);
        if (link.closed || dc.getLabel() !== RELAY_LINK_LABEL || link.channels.length > 1) dc.close();
        else this.#bindChannel(link, dc);
      }),
    );
    try {
      link.pc.setRemoteDescription(decoded.value.sdp, 'offer');
      const sdp = await this.#gathered(link);
      msg.respond(encodeLinkSignal({ type: 'answer', from: relayId, to: peer, ts: now(), sdp }, identity.privateKey));
    } catch (error) {
      this.#deps.onError(`relay link answer [peer:${peer}]`, error);
      msg.respond(encodeLinkRefusal(ErrorCode.CLUSTER_LINK_REFUSED, 'offer not usable'));
      this.#drop(link);
    }
  }

  #newLink(peer: string): Link {
    const { rtc } = this.#deps;
    const mux = rtc.udpMuxPort;
    const pc = new nodeDataChannel.PeerConnection(`relay-${peer}`, {
      iceServers: [...(rtc.iceServers ?? [])],
      ...(mux !== undefined
        ? { enableIceUdpMux: true, portRangeBegin: mux, portRangeEnd: mux }
        : {
            ...(rtc.portRangeBegin !== undefined ? { portRangeBegin: rtc.portRangeBegin } : {}),
            ...(rtc.portRangeEnd !== undefined ? { portRangeEnd: rtc.portRangeEnd } : {}),
          }),
    });
    const link: Link = { peer, pc, channels: [], open: null, closed: false };
    pc.onStateChange((state) =>
      this.#guard('relay link state', () => {
        if (state === 'failed' || state === 'closed') this.#drop(link);
      }),
    );
    this.#links.set(peer, link);
    // libdatachannel now and then stalls a handshake on loopback (see relay/voice/rtc.ts): a link not open in time is made again.
    setTimeout(() => {
      if (!link.open) this.#drop(link);
    }, Math.max(5_000, 2 * this.#deps.requestTimeoutMs)).unref();
    return link;
  }

  #bindChannel(link: Link, dc: DataChannel): DataChannel {
    const { onDatagram, onLink } = this.#deps;
    dc.onMessage((message) => {
      if (typeof message === 'string' || link.closed) return;
      try {
        // A view, not a copy: node-datachannel hands over a fresh Buffer per message.
        onDatagram(link.peer, message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
      } catch (error) {
        this.#deps.onError('relay link datagram', error);
      }
    });
    const opened = (): void => {
      if (link.closed) return;
      link.open = dc;
      this.#backoff.delete(link.peer);
      onLink?.(link.peer, true);
    };
    dc.onOpen(() => this.#guard('relay link open', opened));
    dc.onClosed(() => this.#guard('relay link closed', () => this.#drop(link)));
    if (dc.isOpen()) opened();
    return dc;
  }

  /** Resolves with the local description once ICE gathering is complete (all candidates in it). */
  #gathered(link: Link): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('ICE gathering did not complete')), this.#deps.requestTimeoutMs);
      const done = (): void => {
        const d = link.pc.localDescription();
        if (!d) return;
        clearTimeout(timer);
        resolve(d.sdp);
      };
      link.pc.onGatheringStateChange((state) => this.#guard('relay link gathering', () => (state === 'complete' ? done() : undefined)));
      if (link.pc.gatheringState() === 'complete') done();
    });
  }

  #drop(link: Link): void {
    if (link.closed) return;
    link.closed = true;
    const wasOpen = link.open !== null;
    link.open = null;
    if (this.#links.get(link.peer) === link) this.#links.delete(link.peer);
    // Deferred: this may run inside one of the link's own native callbacks.
    setImmediate(() => {
      for (const dc of link.channels) this.#guard('relay link close channel', () => dc.close());
      this.#guard('relay link close', () => link.pc.close());
    });
    if (wasOpen) this.#deps.onLink?.(link.peer, false);
  }

  #guard(where: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#deps.onError(where, error);
    }
  }

  /** Closes every link and stops answering offers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#sub?.unsubscribe();
    for (const link of [...this.#links.values()]) this.#drop(link);
  }
}
