/**
 * One frame of signed ops on its way into the tree service's batch
 * (tree-service.ts): charged to the submitter's op budget and sent to the
 * signature verifier on arrival, then, at its turn in the queue, judged op
 * by op by the pipeline with the outcomes recorded in the batch. The service
 * owns the queue, the batch and the flush; these take what they need.
 */
import type { Actor } from '../../crdt/index.ts';
import { peekAuthor, peekOpId } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { Session } from '../connection/client-connection.ts';
import type { RelayEvents } from '../events.ts';
import type { KeyedBuckets } from '../rate-limit.ts';
import type { DropStats } from '../stats.ts';
import type { Hidden } from '../visibility/visible-set.ts';
import { wireCode } from './codes.ts';
import type { OpPipeline } from './op-pipeline.ts';
import type { SignatureCheck, SignatureVerifier } from './signature-pool.ts';
import { recordOutcome } from './tree-batch.ts';
import type { Batch, Result } from './tree-batch.ts';

type Ops = ReadonlyArray<{ readonly body: Uint8Array; readonly signature: Uint8Array }>;

/** A frame past admission: which ops the budget let in, and their signature checks under way. */
export interface AdmittedFrame {
  readonly admitted: readonly boolean[];
  readonly checks: readonly SignatureCheck[];
  readonly verdicts: Promise<Uint8Array>;
}

/** Charges each op to `submitterHex`'s budget on arrival and starts verifying the admitted ones, off this thread. */
export function admitFrame(buckets: KeyedBuckets, verifier: SignatureVerifier, submitterHex: string, ops: Ops): AdmittedFrame {
  const admitted = ops.map(() => buckets.take(submitterHex) === 0);
  const checks = ops.filter((_, i) => admitted[i]).map((op) => ({ author: peekAuthor(op.body), body: op.body, signature: op.signature }));
  const verdicts = checks.length > 0 ? verifier.verifyAll(checks) : Promise.resolve(new Uint8Array(0));
  return { admitted, checks, verdicts };
}

/** What {@link processFrame} needs from the service. */
export interface FrameContext {
  readonly pipeline: OpPipeline;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  /** In a cluster: the writer records each verdict for the shared log. */
  readonly replicated: boolean;
}

/** One admitted frame at its turn: who sent it, and the verdicts of its signatures (null: unknown, verified inline). */
export interface FrameTurn {
  /** null: ops another relay forwarded. */
  readonly session: Session | null;
  readonly replies: Result[];
  readonly submitter: Uint8Array;
  readonly ops: Ops;
  readonly frame: AdmittedFrame;
  readonly verdicts: Uint8Array | null;
  readonly hidden?: () => Hidden;
  readonly actorOf?: (keyHex: string) => Actor | null;
}

/** Runs a frame's ops through the pipeline in order, recording outcomes in `batch` and results in `turn.replies`. */
export function processFrame(ctx: FrameContext, batch: Batch, turn: FrameTurn): void {
  const { stats, events, pipeline } = ctx;
  const { session, replies, submitter, ops, verdicts, actorOf } = turn;
  const { admitted, checks } = turn.frame;
  const connId = session?.connId ?? 0;
  let k = 0;
  for (let i = 0; i < ops.length; i++) {
    const signed = ops[i]!;
    if (!admitted[i]) {
      // Not processed, sequence not used: the client keeps the op and retries.
      stats.frame('rate-limited', connId, 'ops');
      replies.push({ opId: peekOpId(signed.body), code: ErrorCode.RATE_LIMITED, reason: 'too many ops; retry later' });
      continue;
    }
    const pre = verdicts ? { author: checks[k]!.author, ok: verdicts[k] === 1 } : undefined;
    k++;
    const out = pipeline.process(signed.body, signed.signature, pre, submitter, turn.hidden?.(), actorOf);
    if (out.code !== null) stats.frame('op-refused', connId, out.code);
    if (events.has('op-verdict')) events.emit('op-verdict', { code: out.code ?? 'accepted' });
    recordOutcome(batch, out);
    if (out.logged && ctx.replicated) batch.log.push(out.logged);
    for (const id of out.changed) batch.changed.add(id);
    // A forwarded join moves its session on the relay that holds it (forwardOps, tree-replication.ts).
    if (out.op?.kind === 'member.join' && session) batch.joins.push({ session, roomId: out.op.args.roomId });
    replies.push({ opId: out.opId, code: wireCode(out.code), reason: out.reason, serverSeq: BigInt(out.seq), ...(out.denial ? { denial: { permission: out.denial.permission, roomId: out.denial.roomId, ruleId: out.denial.ruleId ?? '' } } : {}) });
  }
}
