/**
 * Pages of the audit log for admins (OpHistory): newest first from
 * `before_seq`, at most {@link MAX_HISTORY_PAGE} entries and never more than
 * fit one frame the client accepts (proto/frame-limits.ts, by exact encoded
 * size). Who may ask and whether the socket can take a page is the tree
 * service's call; this only reads and cuts.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { AuditEntrySchema, PageBudget } from '../../proto/index.ts';
import type { AuditEntry, OpHistoryRequest } from '../../proto/index.ts';
import type { Store } from '../storage/store.ts';
import { readAudit } from './tree-persistence.ts';

/** Largest history page. */
export const MAX_HISTORY_PAGE = 200;

/** One page: its entries, and whether older ones remain. */
export interface OpHistoryPage {
  readonly entries: AuditEntry[];
  readonly more: boolean;
}

/**
 * The page `msg` asks for (limit 0 = 50). `keep` leaves entries out (ops
 * naming a room the reader may not see); left-out entries still count
 * toward the limit, so a page never scans further than `limit` rows.
 */
export async function opHistoryPage(store: Store, msg: Pick<OpHistoryRequest, 'beforeSeq' | 'limit'>, keep?: (body: Uint8Array) => boolean): Promise<OpHistoryPage> {
  const limit = Math.min(MAX_HISTORY_PAGE, msg.limit || 50);
  const rows = await readAudit(store, Number(msg.beforeSeq), limit + 1);
  const budget = new PageBudget();
  const entries: AuditEntry[] = [];
  for (const r of rows.slice(0, limit)) {
    if (keep && !keep(r.body)) continue;
    const entry = create(AuditEntrySchema, { serverSeq: BigInt(r.seq), appliedAtMs: BigInt(r.atMs), op: { body: r.body, signature: r.signature } });
    if (!budget.take(toBinary(AuditEntrySchema, entry).byteLength)) break;
    entries.push(entry);
  }
  return { entries, more: rows.length > entries.length };
}
