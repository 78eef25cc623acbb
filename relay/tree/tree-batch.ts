/**
 * The tree service's group-commit batch (tree-service.ts): what one synced
 * write carries and who is answered once it is durable, and the small pure
 * helpers about op results. The service alone owns the current batch; this
 * only describes it.
 */
import * as Y from 'yjs';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { ErrorCode } from '../../proto/index.ts';
import type { OpResultSchema } from '../../proto/index.ts';
import type { Session } from '../connection/client-connection.ts';
import type { BatchVerdict } from './batch-records.ts';
import type { OpOutcome, OpPipeline } from './op-pipeline.ts';
import { nextTreeEpoch, rebuildTreeDoc, treeEpochDue } from './tree-epoch.ts';
import type { ForwardedVerdicts, LogBatch, LoggedOp } from './replication.ts';
import type { AuditRecord } from './tree-persistence.ts';

/** One op's answer, as OpResults carries it. */
export type Result = MessageInitShape<typeof OpResultSchema>;

/** What one group-commit batch writes and answers. */
export interface Batch {
  /** Last sequence number per device key: one record per device per batch, not per op. */
  devices: Map<string, number>;
  /** The batch's verdicts (with their op ids in hex, computed once by the pipeline) and applied ops: one record each per batch (op-records.ts). */
  verdicts: BatchVerdict[];
  audit: AuditRecord[];
  changed: Set<string>;
  replies: Map<Session, Result[]>;
  joins: Array<{ session: Session; roomId: string }>;
  /** Cluster writer: what the shared log records of this batch; results of ops other relays forwarded. */
  log: LoggedOp[];
  remote: Array<{ results: Result[]; resolve: (v: ForwardedVerdicts) => void }>;
  /** Cluster: the log entry this batch applies (it holds nothing else), or the writer's first entry to write. */
  replicated: { logSeq: number; entry: LogBatch } | null;
  seedLog: boolean;
}

/** An empty batch. */
export const newBatch = (): Batch => ({ devices: new Map(), verdicts: [], audit: [], changed: new Set(), replies: new Map(), joins: [], log: [], remote: [], replicated: null, seedLog: false });

/** Whether flushing `b` would write or answer anything. */
export const hasWork = (b: Batch): boolean => b.replies.size > 0 || b.remote.length > 0 || b.replicated !== null || b.seedLog;

/** What a pipeline outcome adds to a batch's records (shared by local ops and applied log entries). */
export type RecordedOutcome = Pick<OpOutcome, 'deviceHex' | 'deviceSeq' | 'opId' | 'opIdHex' | 'verdict' | 'audit'>;

/** Adds an outcome's device sequence, verdict and audit record to `batch`. */
export function recordOutcome(batch: Batch, out: RecordedOutcome): void {
  if (out.deviceSeq !== null) batch.devices.set(out.deviceHex, out.deviceSeq);
  if (out.verdict) batch.verdicts.push({ opId: out.opId, opIdHex: out.opIdHex, verdict: out.verdict });
  if (out.audit) batch.audit.push(out.audit);
}

/** A Y.Doc holding a v2 snapshot. */
export const docOf = (v2: Uint8Array): Y.Doc => {
  const doc = new Y.Doc();
  Y.applyUpdateV2(doc, v2);
  return doc;
};

/** The answer for an op the cluster could not decide. */
export const unavailable = (opId: Uint8Array): Result => ({ opId, code: ErrorCode.CLUSTER_UNAVAILABLE, reason: 'the cluster log is unavailable; retry', serverSeq: 0n });

/** A result in the shape the cluster carries back to the submitting relay. */
export const toForwarded = (r: Result): ForwardedVerdicts['results'][number] => ({
  opId: r.opId ?? new Uint8Array(0),
  code: r.code ?? 0,
  reason: r.reason ?? '',
  serverSeq: r.serverSeq ?? 0n,
  ...(r.denial ? { denial: { permission: r.denial.permission ?? '', roomId: r.denial.roomId ?? '', ruleId: r.denial.ruleId ?? '' } } : {}),
});

/** Byte equality of two op ids. */
export const sameId = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);

/** Answers every op of `batches` with `code` (a failed write: nothing changed), leaving rate-limited answers as they were. */
export function answerFailed(batches: readonly Batch[], code: ErrorCode): void {
  const reason = code === ErrorCode.CLUSTER_UNAVAILABLE ? 'the cluster log is unavailable; nothing changed' : 'relay storage failed; nothing changed';
  const failed = (results: Result[]): Result[] => results.map((r) => (r.code === ErrorCode.RATE_LIMITED ? r : { ...r, code, reason, serverSeq: 0n }));
  for (const batch of batches) {
    for (const [session, results] of batch.replies) session.send({ case: 'opResults', value: { results: failed(results) } });
    for (const remote of batch.remote) remote.resolve({ results: failed(remote.results).map(toForwarded), logSeq: 0 });
  }
}

/** The document change a batch makes: its update, or a replacing document (a new epoch) and that epoch. */
export interface BatchDocument {
  readonly update: Uint8Array | null;
  readonly fresh: Y.Doc | null;
  readonly freshEpoch: number;
}

/**
 * Writes batch `b` into the pipeline's document (the tree is exactly at the
 * batch's end): another relay's log entry is taken as the writer made it, so
 * every relay holds the same document; a local batch is written from the
 * rooms it changed, and replaced by a rebuilt document when a new epoch is due
 * (tree-epoch.ts).
 */
export function batchDocument(b: Batch, pipeline: OpPipeline, epoch: number, epochAfterDeletes: number): BatchDocument {
  const replicated = b.replicated?.entry;
  if (replicated) {
    const update = replicated.snapshot ? null : replicated.update;
    if (update) {
      Y.applyUpdate(pipeline.doc, update, 'relay');
      for (const id of pipeline.followDoc(pipeline.doc)) b.changed.add(id);
    }
    return { update, fresh: replicated.snapshot ? docOf(replicated.snapshot.v2) : null, freshEpoch: replicated.snapshot?.epoch ?? epoch };
  }
  const update = pipeline.writeDoc(b.changed);
  const fresh = update && treeEpochDue(pipeline.doc, pipeline.rooms, b.changed, epochAfterDeletes) ? rebuildTreeDoc(pipeline.rooms) : null;
  return { update, fresh, freshEpoch: nextTreeEpoch(epoch) };
}

/** Makes `b` the batch applying the shared log's entry `logSeq` (another relay's batch): the pipeline takes over each verdict's bookkeeping. */
export function takeLogEntry(b: Batch, pipeline: OpPipeline, logSeq: number, entry: LogBatch): void {
  b.replicated = { logSeq, entry };
  for (const logged of entry.ops) {
    const out = pipeline.applyLogged(logged);
    if (out) recordOutcome(b, out);
  }
}
