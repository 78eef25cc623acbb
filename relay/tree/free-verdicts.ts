/**
 * The verdicts of ops from keys without a role (guests), kept within a bound
 * per key and in total, oldest evicted first.
 *
 * Why: a guest key costs nothing to make, and every op it sends that gets as
 * far as a verdict used to be kept for 90 days, in memory and reloaded at
 * start (issue 12, finding 6: 40 fresh keys, 80,000 refused ops, +82 MB of
 * RSS after a restart). A verdict only serves an idempotent retry of the same
 * op id; for a guest, whose ops are refused or a `member.join`, losing it
 * costs little: a retry whose verdict was evicted is judged by its sequence
 * number and answered OP_REPLAYED (PROTOCOL.md, "Verdicts").
 *
 * Stored as one record per key (`op-fv:<key hex>`, the verdict-batch layout
 * of op-records.ts, oldest first), rewritten by the batch that changed it:
 * so what is on disk, and what a restart loads, is bounded the same way.
 * After a restart "oldest" between keys means the key written least recently.
 */
import { opHex } from '../../crdt/index.ts';
import { decodeVerdictBatch, encodeVerdictBatch } from './op-records.ts';
import type { Verdict } from './op-records.ts';

/** A store write (tree-persistence.ts's Entry). */
type Entry = readonly [key: string, value: unknown];

/** Bounds of a {@link FreeVerdicts}. */
export interface FreeVerdictLimits {
  /** Most verdicts kept per key. */
  readonly perKey: number;
  /** Most verdicts kept over all keys. */
  readonly total: number;
}

/** Key prefix of the per-key records. */
export const FREE_VERDICTS_PREFIX = 'op-fv:';

interface Kept {
  readonly keyHex: string;
  readonly opId: Uint8Array;
  readonly verdict: Verdict;
}

/** See the module comment. */
export class FreeVerdicts {
  readonly #limits: FreeVerdictLimits;
  /** Every kept verdict by op id hex, in insertion order (oldest first). */
  readonly #byId = new Map<string, Kept>();
  /** Op ids per key, oldest first. */
  readonly #byKey = new Map<string, string[]>();
  /** Keys whose record must be rewritten by the next batch. */
  readonly #dirty = new Set<string>();

  constructor(limits: FreeVerdictLimits) {
    this.#limits = { perKey: Math.max(1, limits.perKey), total: Math.max(1, limits.total) };
  }

  /** Verdicts kept now. */
  get size(): number {
    return this.#byId.size;
  }

  /** The kept verdict of an op id. */
  get(opIdHex: string): Verdict | undefined {
    return this.#byId.get(opIdHex)?.verdict;
  }

  /** Keeps a verdict of `keyHex`'s op, evicting that key's oldest and then the oldest overall past the bounds. */
  add(keyHex: string, opId: Uint8Array, opIdHex: string, verdict: Verdict): void {
    if (this.#byId.has(opIdHex)) return;
    this.#byId.set(opIdHex, { keyHex, opId, verdict });
    let ids = this.#byKey.get(keyHex);
    if (!ids) this.#byKey.set(keyHex, (ids = []));
    ids.push(opIdHex);
    this.#dirty.add(keyHex);
    while (ids.length > this.#limits.perKey) this.#byId.delete(ids.shift()!);
    while (this.#byId.size > this.#limits.total) {
      const [oldest, kept] = this.#byId.entries().next().value as [string, Kept];
      this.#byId.delete(oldest);
      const theirs = this.#byKey.get(kept.keyHex)!;
      theirs.splice(theirs.indexOf(oldest), 1);
      if (theirs.length === 0) this.#byKey.delete(kept.keyHex);
      this.#dirty.add(kept.keyHex);
    }
  }

  /** The writes that bring the stored records in line with memory (written at `atMs`); clears the changed set. */
  takeEntries(atMs: number): Entry[] {
    const out: Entry[] = [];
    for (const keyHex of this.#dirty) {
      const ids = this.#byKey.get(keyHex);
      const key = FREE_VERDICTS_PREFIX + keyHex;
      if (!ids || ids.length === 0) {
        out.push([key, undefined]);
        continue;
      }
      out.push([key, encodeVerdictBatch(atMs, ids.map((id) => ({ opId: this.#byId.get(id)!.opId, verdict: this.#byId.get(id)!.verdict })))]);
    }
    this.#dirty.clear();
    return out;
  }

  /**
   * Rebuilds from stored records (`[key, value]` under the prefix). Records
   * are taken least recently written first, so the total bound evicts the
   * same keys first as before the restart; damaged records are skipped.
   */
  static load(rows: ReadonlyArray<readonly [string, unknown]>, limits: FreeVerdictLimits): FreeVerdicts {
    const out = new FreeVerdicts(limits);
    const records = rows.flatMap(([key, value]) => {
      const batch = value instanceof Uint8Array ? decodeVerdictBatch(value) : null;
      return batch ? [{ keyHex: key.slice(FREE_VERDICTS_PREFIX.length), batch }] : [];
    });
    records.sort((a, b) => a.batch.atMs - b.batch.atMs);
    for (const { keyHex, batch } of records) for (const r of batch.records) out.add(keyHex, r.opId, opHex(r.opId), r.verdict);
    // Loading changes nothing on disk unless a bound shrank: only keys that lost verdicts need rewriting then.
    const stored = new Map(records.map((r) => [r.keyHex, r.batch.records.length]));
    for (const k of [...out.#dirty]) if ((out.#byKey.get(k)?.length ?? 0) >= (stored.get(k) ?? 0)) out.#dirty.delete(k);
    return out;
  }
}
