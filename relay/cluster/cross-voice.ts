/**
 * Voice between relays of a cluster (docs/CLUSTER.md, "Voice between
 * relays"). To the voice router it is one more {@link RemoteFanOut}, as voice
 * workers are on one machine:
 *
 * - **Sending.** The router has already decided a local speaker may be heard
 *   (rate limit, mute, Speak suppression, age: the sending relay decides, as
 *   for its own listeners) and hands each frame here once. It goes once to
 *   every other relay with a listener in the speaker's room, never once per
 *   listener. Which relays those are is kept per room from presence changes
 *   (the registry's voice watch), so a frame costs one map lookup.
 * - **Receiving.** A link message is checked whole (link-bundle.ts), then
 *   each frame in it on its own: a frame from relay R names R's session id
 *   and the room's voice id (the same on every relay: it lives in the
 *   shared tree). It is
 *   delivered only when this relay's presence knows that speaker, from R, in
 *   that very room, so a frame racing a room move is dropped rather than heard
 *   in the wrong room; the sender id is rewritten to the id this relay shows
 *   the speaker under, and the router fans it out to the local members
 *   (deafen and send caps there).
 */
import { peekForwardedRoom, peekForwardedSender, setForwardedSender } from '../../proto/index.ts';
import type { Clock } from '../options.ts';
import type { VoiceChange, VoiceRoute, VoiceSender } from '../presence/presence.ts';
import { TokenBucket } from '../rate-limit.ts';
import type { RemoteFanOut } from '../voice/router.ts';
import { checkLinkMessage, forEachLinkFrame } from './link-bundle.ts';
import { decodeLossReport, encodeLossReport, isLossReport, LOSS_REPORT_EVERY } from './link-loss.ts';
import { LinkSender } from './link-sender.ts';
import { REMOTE_SESSION_BASE } from './presence-sync.ts';

/** Frames per second one peer relay may send before the rest are dropped (about 2 000 speakers at 50 frames/s). */
export const PEER_FRAMES_PER_SECOND = 100_000;

/** Counters of cross-relay voice, as `relay.cluster.voice()` shows them. */
export interface CrossVoiceStats {
  /** Frames sent to another relay (one per frame and relay, whatever the number of listeners there). */
  readonly sent: number;
  /** Link messages those frames left in (fewer than `sent` when frames of one turn are bundled). */
  readonly messages: number;
  /** Frames that had no open link to a relay that wanted them. */
  readonly unsent: number;
  /** Per peer relay, at its last loss report: messages sent to it since its link opened, and how many it received (link-loss.ts). */
  readonly reported: Readonly<Record<string, { readonly sent: number; readonly received: number }>>;
  /** Frames from other relays delivered to local listeners' fan-out. */
  readonly received: number;
  /** Frames from other relays dropped, by reason. */
  readonly dropped: Readonly<Record<CrossVoiceDrop, number>>;
  /** Relays with an open link now. */
  readonly links: readonly string[];
}

/** Why a frame from another relay was not delivered. */
export type CrossVoiceDrop = 'malformed' | 'rate-limited' | 'unknown-sender' | 'wrong-room';

/** What the bridge needs of the rest of the relay. */
export interface CrossVoiceDeps {
  readonly presence: { watchVoice(listener: (change: VoiceChange) => void): void; voiceSender(sessionId: number): VoiceSender | undefined };
  /** The relay of a user shown under `sessionId` (presence-sync.ts). */
  readonly relayOf: (sessionId: number) => string | undefined;
  /** The id this relay shows user `sessionId` of relay `relay` under. */
  readonly shownAs: (relay: string, sessionId: number) => number | undefined;
  readonly links: { want(peers: ReadonlySet<string>): void; send(peer: string, bytes: Uint8Array): boolean; up(): string[] };
  readonly clock: Clock;
  /** Runs `fn` once the current I/O turn's callbacks are done, when held frames leave (default `setImmediate`; tests drive it). */
  readonly afterTurn?: (fn: () => void) => void;
}

/** Where frames from other relays are fanned out (the voice router). */
export interface CrossVoiceDelivery {
  deliver(sender: number, route: VoiceRoute, downlink: Uint8Array): void;
}

interface RemoteMember {
  readonly relay: string;
  voiceId: number;
  /** Counted as a listener of `voiceId` (not deafened). */
  listening: boolean;
}

/** See the module comment. */
export class CrossVoice implements RemoteFanOut {
  readonly #deps: CrossVoiceDeps;
  readonly #remote = new Map<number, RemoteMember>();
  /** voiceId → relay → listeners there. */
  readonly #listeners = new Map<number, Map<string, number>>();
  /** voiceId → the relays to send its frames to (rebuilt on change; read per frame). */
  readonly #targets = new Map<number, readonly string[]>();
  /** Relay → its users shown here: the relays to be linked to. */
  readonly #peers = new Map<string, number>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #sender: LinkSender;
  #delivery: CrossVoiceDelivery | null = null;
  #received = 0;
  /** Link messages received from each peer since its link opened (for the loss reports sent back). */
  readonly #inbound = new Map<string, number>();
  /** The peer of the message being read, for the per-frame visitor (set for the length of one receive). */
  #from = '';
  #bucket: TokenBucket | null = null;
  readonly #visit = (frame: Uint8Array): void => this.#frame(frame);
  readonly #dropped: Record<CrossVoiceDrop, number> = { malformed: 0, 'rate-limited': 0, 'unknown-sender': 0, 'wrong-room': 0 };

  constructor(deps: CrossVoiceDeps) {
    this.#deps = deps;
    this.#sender = new LinkSender(deps.links, deps.afterTurn);
    deps.presence.watchVoice((change) => this.#changed(change));
  }

  /** Binds the router frames from other relays are fanned out by. */
  bind(delivery: CrossVoiceDelivery): void {
    this.#delivery = delivery;
  }

  /** True for a user of another relay (shown here under an id from {@link REMOTE_SESSION_BASE} up). */
  carries(sessionId: number): boolean {
    return sessionId >= REMOTE_SESSION_BASE;
  }

  wants(route: VoiceRoute): boolean {
    return this.#targets.has(route.voiceId);
  }

  forward(route: VoiceRoute, downlink: Uint8Array): void {
    const targets = this.#targets.get(route.voiceId);
    if (!targets) return;
    for (const peer of targets) this.#sender.send(peer, downlink);
  }

  /** One message from relay `peer`'s link: one frame or a bundle of them. Never throws. */
  receive(peer: string, bytes: Uint8Array): void {
    if (isLossReport(bytes)) {
      const report = decodeLossReport(bytes);
      if (report.ok) this.#sender.reported(peer, report.received);
      else this.#dropped.malformed++;
      return;
    }
    // Every message counts, a malformed one too: the peer counted it as sent.
    const inbound = ((this.#inbound.get(peer) ?? 0) + 1) >>> 0;
    this.#inbound.set(peer, inbound);
    if (inbound % LOSS_REPORT_EVERY === 0) this.#deps.links.send(peer, encodeLossReport(inbound));
    const checked = checkLinkMessage(bytes);
    if (!checked.ok) {
      this.#dropped.malformed++;
      return;
    }
    let bucket = this.#buckets.get(peer);
    if (!bucket) this.#buckets.set(peer, (bucket = new TokenBucket(this.#deps.clock, PEER_FRAMES_PER_SECOND / 10, PEER_FRAMES_PER_SECOND)));
    this.#from = peer;
    this.#bucket = bucket;
    forEachLinkFrame(bytes, this.#visit);
  }

  /** One frame of the message {@link receive} is reading. */
  #frame(frame: Uint8Array): void {
    // Per frame, not per message: a bundle buys no more frames than single messages would.
    if (!this.#bucket!.take()) {
      this.#dropped['rate-limited']++;
      return;
    }
    const id = this.#deps.shownAs(this.#from, peekForwardedSender(frame));
    const from = id === undefined ? undefined : this.#deps.presence.voiceSender(id);
    if (id === undefined || from === undefined) {
      this.#dropped['unknown-sender']++;
      return;
    }
    if (from.room.voiceId !== peekForwardedRoom(frame)) {
      this.#dropped['wrong-room']++;
      return;
    }
    // The bytes are this message's own (node-datachannel hands a fresh buffer per message; a bundle's frames do not overlap).
    setForwardedSender(frame, id);
    this.#received++;
    this.#delivery?.deliver(id, from.room, frame);
  }

  /** The link to `peer` opened or went down: both sides count its messages afresh. */
  linkChanged(peer: string, up: boolean): void {
    this.#inbound.delete(peer);
    if (up) this.#sender.linkUp(peer);
  }

  /** Counters now. */
  stats(): CrossVoiceStats {
    const { sent, unsent, messages, reported } = this.#sender.stats();
    return { sent, messages, unsent, reported, received: this.#received, dropped: { ...this.#dropped }, links: this.#deps.links.up() };
  }

  /** A presence change: only users of other relays change where frames go. */
  #changed(change: VoiceChange): void {
    const id = change.sessionId;
    if (id < REMOTE_SESSION_BASE) return;
    let m = this.#remote.get(id);
    if (!m) {
      const relay = this.#deps.relayOf(id);
      if (relay === undefined || change.voiceId === 0) return;
      m = { relay, voiceId: 0, listening: false };
      this.#remote.set(id, m);
      this.#addPeer(relay, 1);
    }
    if (m.listening) this.#count(m.voiceId, m.relay, -1);
    m.voiceId = change.voiceId;
    m.listening = change.voiceId !== 0 && !change.deafened;
    if (m.listening) this.#count(m.voiceId, m.relay, 1);
    if (change.voiceId === 0) {
      this.#remote.delete(id);
      this.#addPeer(m.relay, -1);
    }
  }

  #count(voiceId: number, relay: string, delta: number): void {
    let byRelay = this.#listeners.get(voiceId);
    if (!byRelay) this.#listeners.set(voiceId, (byRelay = new Map()));
    const n = (byRelay.get(relay) ?? 0) + delta;
    if (n > 0) byRelay.set(relay, n);
    else byRelay.delete(relay);
    if (byRelay.size === 0) {
      this.#listeners.delete(voiceId);
      this.#targets.delete(voiceId);
    } else this.#targets.set(voiceId, [...byRelay.keys()]);
  }

  #addPeer(relay: string, delta: number): void {
    const before = this.#peers.size;
    const n = (this.#peers.get(relay) ?? 0) + delta;
    if (n > 0) this.#peers.set(relay, n);
    else this.#peers.delete(relay);
    if (this.#peers.size !== before) this.#deps.links.want(new Set(this.#peers.keys()));
  }
}
