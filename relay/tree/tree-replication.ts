/**
 * The tree service's side of a cluster (relay/cluster/, types in
 * replication.ts) that needs none of its batch: the shared log position this
 * relay holds and who waits for a later one, and passing a client's ops to
 * the writer and answering once the deciding entry is applied here. Applying
 * log entries and seeding the log go through the service's queue and batch,
 * so they stay in tree-service.ts.
 */
import { decodeOpBody, peekAuthor, peekOpId } from '../../crdt/index.ts';
import type { Actor } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { JoinRoom, SignedOp } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Roster } from '../presence/roster.ts';
import type { ForwardedOps, ForwardedVerdicts, TreeReplication } from './replication.ts';
import { sameId, unavailable } from './tree-batch.ts';

/** The shared log's last entry this relay holds, and the waiters for later ones. */
export class LogPosition {
  #seq: number;
  #waiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(seq: number) {
    this.#seq = seq;
  }

  /** The last entry held. */
  get seq(): number {
    return this.#seq;
  }

  /** Records that entry `seq` is held here (durable, or loaded from disk); waiters are woken by {@link wake}, once the batch is answered. */
  set(seq: number): void {
    this.#seq = seq;
  }

  /** Resolves the waiters the current position satisfies. */
  wake(): void {
    const waiting = this.#waiters;
    this.#waiters = waiting.filter((w) => w.seq > this.#seq);
    for (const w of waiting) if (w.seq <= this.#seq) w.resolve();
  }

  /** Resolves once this relay holds the shared log up to `seq`. */
  reached(seq: number): Promise<void> {
    if (this.#seq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }
}

/** What {@link forwardOps} needs. */
export interface ForwardDeps {
  readonly replication: TreeReplication;
  readonly actorOf: (keyHex: string) => Actor | null;
  readonly roster: Roster;
  readonly position: LogPosition;
}

/** Cluster, not the writer: passes a client's ops to the writer, then answers once this relay holds the log entry that decided them. */
export async function forwardOps(deps: ForwardDeps, session: Session, submitter: Uint8Array, ops: readonly SignedOp[]): Promise<void> {
  // The submitter too: the writer hides from the ops what the submitter may not see.
  const actors = new Map<string, Actor | null>([[toHex(submitter), deps.actorOf(toHex(submitter))]]);
  for (const op of ops) {
    const hex = toHex(peekAuthor(op.body));
    if (!actors.has(hex)) actors.set(hex, deps.actorOf(hex));
  }
  let reply: ForwardedVerdicts;
  try {
    reply = await deps.replication.forward({ submitter, actors, ops: ops.map((o) => ({ body: o.body, signature: o.signature })) });
  } catch {
    session.send({ case: 'opResults', value: { results: ops.map((op) => unavailable(peekOpId(op.body))) } });
    return;
  }
  await deps.position.reached(reply.logSeq);
  for (const r of reply.results) {
    if (r.code !== ErrorCode.UNSPECIFIED) continue;
    const op = ops.find((o) => sameId(peekOpId(o.body), r.opId));
    const parsed = op ? decodeOpBody(op.body) : null;
    // A forwarded join moves its session here, on the relay that holds it.
    if (parsed?.ok && parsed.value.kind === 'member.join') deps.roster.join(session, { roomId: parsed.value.args.roomId } as JoinRoom);
  }
  session.send({ case: 'opResults', value: { results: reply.results.map((r) => ({ ...r })) } });
}

/**
 * The writer's view of a forwarded op's author: known to the submitting
 * relay (else unknown), with the role this relay's records give the key
 * (roles are shared through the cluster's state log), so a relay that has not
 * applied a role change yet, or one that claims too much, changes nothing.
 */
export function forwardedActor(fwd: ForwardedOps, keyHex: string, actorOf: (keyHex: string) => Actor | null): Actor | null {
  const known = fwd.actors.get(keyHex);
  return known ? { ...known, role: actorOf(keyHex)?.role ?? 'guest' } : null;
}
