/**
 * Voice forwarding: one uplink datagram in, one downlink buffer out, sent to
 * every other member of the sender's room who has an open channel and is not
 * deafened. Never to another room, and nothing from a muted sender (as the
 * Mumble server does: a mute shown to others must be a real one).
 *
 * This is the hot path: no logging, no closures, one allocation for the
 * forwarded bytes shared by all recipients (node-datachannel copies on send).
 * It knows no WebRTC: channels are {@link DatagramSink}s, membership comes
 * from a {@link VoiceDirectory}.
 *
 * Bundling under load: a send costs the same ~13 µs of CPU whether it carries
 * one frame or several (bench:fanout), and under overload most frames reach
 * a listener in an I/O turn that already sent it one (61–98 % of copies
 * leave bundled in bench:relay's overload steps, 0–1 % while the relay keeps
 * up). So the first frame of a turn to a listener goes
 * out at once, as before, and any further ones to a listener that reads
 * bundles wait for the end of the turn and leave together in one BUNDLE
 * datagram. Nothing waits when the relay keeps up (a turn then carries one
 * frame per listener), and the relay sheds sends exactly when it falls behind.
 */
import {
  BUNDLE_ENTRY_PREFIX_BYTES,
  BUNDLE_HEADER_BYTES,
  isUplinkVoice,
  decodeUplink,
  encodeBundle,
  forwardVoice,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_COUNT,
  peekUplinkTs,
} from '../../proto/index.ts';
import type { DecodeErrorCode } from '../../proto/index.ts';
import type { Clock, RelayLimits } from '../options.ts';
import type { VoiceRoute, VoiceSender } from '../presence/presence.ts';
import { TokenBucket } from '../rate-limit.ts';
import { AgeGate } from './age-gate.ts';
import type { DatagramDropReason, DropStats } from '../stats.ts';

/** The send side of a voice DataChannel (node-datachannel's DataChannel fits). */
export interface DatagramSink {
  /** Sends; true if handed to the transport at once, false if it had to be buffered (libdatachannel's contract). */
  sendMessageBinary(bytes: Uint8Array): boolean;
  bufferedAmount(): number;
  isOpen(): boolean;
}

/** Where the router learns a sender's room (the presence registry). */
export interface VoiceDirectory {
  voiceSender(sessionId: number): VoiceSender | undefined;
}

/**
 * The members of a room held by other voice worker processes (see
 * relay/voice/workers/). The router hands it each forwarded datagram once;
 * it sends one copy per other worker, which fans it out to its own members.
 */
export interface RemoteFanOut {
  /** True when other workers hold members of `route` (asked before building the downlink bytes). */
  wants(route: VoiceRoute): boolean;
  /** Sends `downlink` once to every other worker holding members of `route`. */
  forward(route: VoiceRoute, downlink: Uint8Array): void;
}

/** Dependencies of a {@link VoiceRouter}. */
export interface VoiceRouterDeps {
  readonly directory: VoiceDirectory;
  /** Members on other workers; absent in a single-process relay. */
  readonly remote?: RemoteFanOut;
  readonly stats: DropStats;
  readonly clock: Clock;
  readonly limits: Pick<RelayLimits, 'datagramBurst' | 'datagramPerSecond' | 'sendBufferCap' | 'maxDatagramAgeMs'>;
  /**
   * Runs `fn` once the callbacks of the current I/O turn are done (default
   * `setImmediate`): when frames held for bundling leave. Tests drive it.
   */
  readonly afterTurn?: (fn: () => void) => void;
}

/** What a session's client can read, from its offer. */
export interface EndpointOptions {
  /** The client reads BUNDLE datagrams. Default false. */
  readonly bundles?: boolean;
}

interface Endpoint {
  readonly id: number;
  sink: DatagramSink | null;
  bundles: boolean;
  /** The turn of this endpoint's last immediate send: later frames in that turn are held. */
  turn: number;
  /** Frames held for the end of the turn. */
  held: Uint8Array[];
  /** The last send was buffered: ask the channel how much before sending more. Saves a native call per copy otherwise. */
  backlogged: boolean;
  readonly bucket: TokenBucket;
  readonly age: AgeGate;
}

function reasonFor(code: DecodeErrorCode): DatagramDropReason {
  switch (code) {
    case 'too-large':
    case 'empty':
    case 'bad-length':
      return code;
    default:
      // 'unknown-kind', and codes decodeUplink does not produce for datagrams.
      return 'unknown-kind';
  }
}

/** Forwards voice datagrams between sessions' channels. */
export class VoiceRouter {
  readonly #deps: VoiceRouterDeps;
  readonly #endpoints = new Map<number, Endpoint>();
  readonly #afterTurn: (fn: () => void) => void;
  /** Current I/O turn, advanced by the end-of-turn callback (endpoints start at 0). */
  #turn = 1;
  #turnEndQueued = false;
  /** Endpoints holding frames, flushed at the end of the turn. */
  #holding: Endpoint[] = [];
  readonly #endTurn = (): void => this.#flushHeld();

  constructor(deps: VoiceRouterDeps) {
    this.#deps = deps;
    this.#afterTurn = deps.afterTurn ?? ((fn) => void setImmediate(fn));
  }

  /** Binds `sink` as the voice channel of `sessionId`, replacing any earlier one. */
  attach(sessionId: number, sink: DatagramSink, options: EndpointOptions = {}): void {
    const bundles = options.bundles === true;
    const ep = this.#endpoints.get(sessionId);
    if (ep) {
      ep.sink = sink;
      ep.bundles = bundles;
      ep.backlogged = false;
      return;
    }
    const { clock, limits } = this.#deps;
    // The bucket outlives channel replacement: renegotiating must not refill it.
    this.#endpoints.set(sessionId, {
      id: sessionId,
      sink,
      bundles,
      turn: 0,
      held: [],
      backlogged: false,
      bucket: new TokenBucket(clock, limits.datagramBurst, limits.datagramPerSecond),
      age: new AgeGate(limits.maxDatagramAgeMs),
    });
  }

  /** Unbinds the channel of `sessionId`, but only if it is still `sink` (a late close of a replaced channel is ignored). */
  detach(sessionId: number, sink: DatagramSink): void {
    const ep = this.#endpoints.get(sessionId);
    if (ep && ep.sink === sink) ep.sink = null;
  }

  /** Forgets `sessionId` entirely (the session ended). */
  remove(sessionId: number): void {
    const ep = this.#endpoints.get(sessionId);
    if (ep) ep.sink = null;
    this.#endpoints.delete(sessionId);
  }

  /** True when `sessionId` has a bound, open channel. */
  hasOpenChannel(sessionId: number): boolean {
    return this.#endpoints.get(sessionId)?.sink?.isOpen() === true;
  }

  /** Handles one datagram received from `sender`'s channel. Never throws. */
  route(sender: number, message: string | Uint8Array | ArrayBuffer): void {
    const { stats } = this.#deps;
    const from = this.#deps.directory.voiceSender(sender);
    const ep = this.#endpoints.get(sender);
    if (from === undefined || ep === undefined) {
      stats.datagram('unauthenticated', sender);
      return;
    }
    if (typeof message === 'string') {
      stats.datagram('not-binary', sender);
      return;
    }
    // Rate limit before parsing, so a flood costs as little as possible.
    if (!ep.bucket.take()) {
      stats.datagram('rate-limited', sender);
      return;
    }
    const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
    // Fast path for what decodeUplink accepts as voice (fuzz.test.ts checks they agree), without its allocations.
    if (!isUplinkVoice(bytes)) {
      const up = decodeUplink(bytes);
      stats.datagram(up.ok ? 'keepalive' : reasonFor(up.error.code), sender);
      return;
    }
    if (from.muted) {
      stats.datagram('muted', sender);
      return;
    }
    const ts = peekUplinkTs(bytes);
    // Late beyond use: forwarding it would only add to the backlog it came out of.
    if (ep.age.stale(ts, this.#deps.clock.now())) {
      stats.datagram('stale', sender);
      return;
    }
    const remote = this.#deps.remote;
    if (remote !== undefined && remote.wants(from.room)) {
      const out = forwardVoice(bytes, sender, from.room.voiceId);
      remote.forward(from.room, out);
      this.#fanOut(sender, bytes, from.room, out);
      return;
    }
    this.#fanOut(sender, bytes, from.room, null);
  }

  /**
   * Fans out a downlink datagram another worker already checked (sender's
   * bucket, mute, age) to this worker's members of `route`. Never throws.
   */
  deliver(sender: number, route: VoiceRoute, downlink: Uint8Array): void {
    this.#fanOut(sender, downlink, route, downlink);
  }

  #fanOut(sender: number, uplink: Uint8Array, route: VoiceRoute, ready: Uint8Array | null): void {
    const { stats, limits } = this.#deps;
    const cap = limits.sendBufferCap;
    let out: Uint8Array | null = ready;
    let sent = 0;
    let bundling = false;
    for (const member of route.members) {
      const id = member.sessionId;
      if (id === sender || member.deafened) continue;
      const ep = this.#endpoints.get(id);
      // A bound sink is open: the channel's close callback detaches it (a send in between throws, below).
      const sink = ep?.sink;
      if (!sink) continue;
      if (ep.backlogged && sink.bufferedAmount() > cap) {
        stats.datagram('send-buffer-full', id);
        continue;
      }
      out ??= forwardVoice(uplink, sender, route.voiceId);
      if (ep.bundles) {
        if (ep.turn === this.#turn) {
          // Already sent to this turn: leave with the others at its end.
          if (ep.held.push(out) === 1) this.#holding.push(ep);
          continue;
        }
        ep.turn = this.#turn;
        bundling = true;
      }
      try {
        ep.backlogged = !sink.sendMessageBinary(out);
        sent++;
      } catch {
        // The channel closed and its close callback (which detaches it) is still queued.
        stats.datagram('send-failed', id);
      }
    }
    if (sent > 0) stats.forwarded(sent);
    // Once per fan-out, not per copy: the turn's end must come to advance the turn and flush.
    if (bundling) this.#queueTurnEnd();
  }

  #queueTurnEnd(): void {
    if (this.#turnEndQueued) return;
    this.#turnEndQueued = true;
    this.#afterTurn(this.#endTurn);
  }

  /** End of a turn: every held frame leaves, packed into as few bundles as fit. */
  #flushHeld(): void {
    this.#turnEndQueued = false;
    this.#turn++;
    const holding = this.#holding;
    if (holding.length === 0) return;
    this.#holding = [];
    const { stats, limits } = this.#deps;
    let sent = 0;
    let bundled = 0;
    for (const ep of holding) {
      const frames = ep.held;
      ep.held = [];
      const sink = ep.sink;
      if (!sink) continue;
      for (let i = 0; i < frames.length; ) {
        // Checked before every bundle: a long turn can hold more than the cap allows.
        if (ep.backlogged && sink.bufferedAmount() > limits.sendBufferCap) {
          stats.datagram('send-buffer-full', ep.id);
          break;
        }
        let j = i;
        let bytes = BUNDLE_HEADER_BYTES;
        while (j < frames.length && j - i < MAX_BUNDLE_COUNT && bytes + BUNDLE_ENTRY_PREFIX_BYTES + frames[j]!.byteLength <= MAX_BUNDLE_BYTES) {
          bytes += BUNDLE_ENTRY_PREFIX_BYTES + frames[j]!.byteLength;
          j++;
        }
        // A frame too large to share a bundle goes alone.
        if (j === i) j = i + 1;
        const n = j - i;
        try {
          ep.backlogged = !sink.sendMessageBinary(n === 1 ? frames[i]! : encodeBundle(frames.slice(i, j)));
          sent += n;
          if (n > 1) bundled += n;
        } catch {
          stats.datagram('send-failed', ep.id);
        }
        i = j;
      }
    }
    if (sent > 0) stats.forwarded(sent);
    if (bundled > 0) stats.bundled(bundled);
  }
}
