/**
 * What the room tree asks of a cluster (relay/cluster/) when several relays
 * serve one organisation: the shapes of the shared log and the hook the tree
 * service calls. Kept here, as types only, so the tree does not import the
 * cluster (the cluster imports the tree).
 *
 * One relay at a time, the writer, validates ops; every batch it accepts is
 * appended to the shared log before anyone is acknowledged, and every relay
 * applies the log in order (docs/CLUSTER.md).
 */
import type { Actor, RejectCode } from '../../crdt/index.ts';

/** One attributable verdict the writer reached, as the log carries it. */
export interface LoggedOp {
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
  /** null: applied. */
  readonly code: RejectCode | null;
  readonly reason: string;
  /** Audit position (0 for refusals and member.join). */
  readonly seq: number;
  readonly atMs: number;
  /** The author had no role: its verdict goes to the bounded store (free-verdicts.ts). */
  readonly free: boolean;
}

/** A document that replaces the tree: a new epoch, or the log's first entry (every relay then starts from the same document). */
export interface LoggedSnapshot {
  /** The whole document, Yjs v2. */
  readonly v2: Uint8Array;
  readonly epoch: number;
}

/** One log entry: what one group-commit batch of the writer did. */
export interface LogBatch {
  readonly ops: readonly LoggedOp[];
  /** The batch's document update (Yjs v1), or null. */
  readonly update: Uint8Array | null;
  /** A replacing document, or null. */
  readonly snapshot: LoggedSnapshot | null;
}

/** One op result as the tree service sends it (OpResult fields). */
export interface ForwardedResult {
  readonly opId: Uint8Array;
  /** Wire ErrorCode. */
  readonly code: number;
  readonly reason: string;
  readonly serverSeq: bigint;
  /** For a permission refusal: the permission, the room and the deciding rule ('' = the default), as a local refusal carries them. */
  readonly denial?: { readonly permission: string; readonly roomId: string; readonly ruleId: string };
}

/** Ops a non-writer relay passes to the writer. */
export interface ForwardedOps {
  /** Key of the session that submitted them. */
  readonly submitter: Uint8Array;
  /** The actor of each author key the ops name (hex), as the submitting relay knows them (null: unknown key). */
  readonly actors: ReadonlyMap<string, Actor | null>;
  readonly ops: ReadonlyArray<{ readonly body: Uint8Array; readonly signature: Uint8Array }>;
}

/** The writer's answer: the results, and the log position the submitting relay must reach before answering its client. */
export interface ForwardedVerdicts {
  readonly results: readonly ForwardedResult[];
  readonly logSeq: number;
}

/** Where ops submitted to this relay go now. */
export type OpRoute = 'local' | 'forward' | 'unavailable';

/** The hook the tree service calls (absent: a single relay, nothing changes). */
export interface TreeReplication {
  /** `local`: this relay is the writer and caught up; `forward`: pass to the writer; `unavailable`: refuse with CLUSTER_UNAVAILABLE. */
  route(): OpRoute;
  /** Passes ops to the writer; rejects when it cannot be reached. */
  forward(ops: ForwardedOps): Promise<ForwardedVerdicts>;
  /**
   * Appends a batch to the shared log after the entry at `afterSeq` (the
   * writer's applied position: a stale writer's append is refused, so the
   * log never forks) and resolves with its sequence once durable in the
   * cluster; rejects otherwise (nothing is acknowledged then).
   */
  append(batch: LogBatch, afterSeq: number): Promise<number>;
}
