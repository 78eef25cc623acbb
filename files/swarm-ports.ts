/**
 * The contract of a swarm member (files/swarm-member.ts): the messages it
 * sends and takes, the ports an adapter gives it (the browser's
 * client/files/file-transfer.ts, the node test peer's
 * test/helpers/files/swarm-file.ts), how it is set up, and its tuning
 * constants. Types only, besides the constants: adapters import this without
 * the member's logic.
 */
import type { Bitfield, FileManifestFields, FileWire, FileWireMsgInit } from '../proto/index.ts';
import type { SwarmClock } from './swarm-clock.ts';

/** A `FileWire` message as sent. */
export type WireOut = FileWireMsgInit;
/** A decoded `FileWire` message. */
export type WireIn = FileWire['msg'];

/** Requests in flight per peer: enough to keep a DataChannel busy across one round trip. */
export const WINDOW_PER_PEER = 8;
/** Largest piece of a chunk in one message (PROTOCOL: at most 64 KiB). */
export const MAX_PIECE_BYTES = 64 * 1024;
/** Default spacing of `have` messages to links, ms: a bitfield per link at most ten times a second. */
export const HAVE_INTERVAL_MS = 100;
/** Default spacing of announces to the tracker, ms: well inside the control socket's frame budget. */
export const ANNOUNCE_INTERVAL_MS = 250;

/** What a member does to the outside. Peer ids are the adapter's (e.g. `s42`, `relay`). */
export interface SwarmPorts {
  /** Sends on `peer`'s link; resolves false when it could not be sent (link gone). */
  send(peer: string, msg: WireOut): boolean | Promise<boolean>;
  /** A held chunk's bytes from the store, or null. */
  chunk(index: number): Promise<Uint8Array | null>;
  /** Stores a checked chunk; a rejection (e.g. over quota) fails the download. */
  keep(index: number, data: Uint8Array): Promise<void>;
  /** Stores a checked hash block (a reload then serves and checks without asking). */
  keepHashBlock?(block: number, data: Uint8Array): Promise<void> | void;
  /** Asks the tracker for peers; false when it could not be sent (offline). */
  wantPeers(): boolean;
  /** Tells the tracker what is held. */
  announce(have: Bitfield): void;
  /** `peer` broke the protocol or sent a bad chunk and is forgotten: close its link (and report a bad chunk). */
  fault(peer: string, code: 'bad-frame' | 'bad-chunk', chunk: number): void;
  /** A checked chunk arrived from `peer` (progress counters). */
  gotChunk?(peer: string, index: number, bytes: number): void;
  /** Something the UI shows changed (held chunks, busy/stalled, failure). */
  changed(): void;
}

/** How a member is set up. */
export interface SwarmMemberOptions {
  readonly manifest: FileManifestFields;
  readonly ports: SwarmPorts;
  readonly clock: SwarmClock;
  /** Chunks already held (resume, or everything for the sharer). */
  readonly have?: Bitfield;
  /** Where this member's chunk scan starts (members spread over the file). */
  readonly spread?: number;
  /** Super-seed with this many live copies per chunk (the original sender); 0 or absent serves every request. */
  readonly seedCopies?: number;
  readonly pieceBytes?: number;
  readonly window?: number;
  /** Also ask the tracker every this many chunks while linked to few peers (0: only when stalled). */
  readonly reaskEvery?: number;
  readonly haveIntervalMs?: number;
  readonly announceIntervalMs?: number;
  /** Ask nobody until every peer of the tracker's first answer said what it holds (a test's corrupting peer always gets asked). */
  readonly awaitFirstAnswer?: boolean;
}

/** How a link joins. */
export interface PeerJoin {
  /** What the tracker said it holds (asked at once; null: wait for its `have`). */
  readonly hint?: Bitfield | null;
  /** A carrier rather than a member (the relay fallback): holds everything, is never told what we hold. */
  readonly carrier?: boolean;
}

/** Bytes and refusals, for tests, benches and the UI. */
export interface SwarmCounters {
  /** Chunk bytes sent to peers. */
  uploaded: number;
  /** Requests refused as a super-seeder. */
  refused: number;
  badChunks: number;
}
