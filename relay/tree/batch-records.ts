/**
 * What one group-commit batch writes, and the bookkeeping that spans
 * batches: the next update and verdict-batch numbers, the update records
 * past the last snapshot that decide when to compact (shouldCompact), and
 * the verdict batches still within their retention.
 */
import type * as Y from 'yjs';
import { auditEntries, deviceEntry, shouldCompact, snapshotEntries, updateEntry, verdictDeletion, verdictEntries } from './tree-persistence.ts';
import type { AuditRecord, Entry, LoadedTree, StoredVerdictBatch, VerdictRecord } from './tree-persistence.ts';

/** A verdict as a batch collects it: the stored record plus its op id in hex (the in-memory key). */
export interface BatchVerdict extends VerdictRecord {
  readonly opIdHex: string;
}

/** A batch's bookkeeping, collected op by op. */
export interface BatchContent {
  /** Last sequence number per device key: one record per device per batch, not per op. */
  readonly devices: ReadonlyMap<string, number>;
  readonly audit: readonly AuditRecord[];
  readonly verdicts: readonly BatchVerdict[];
}

/** See the module comment. One per loaded tree (a reload makes a new one). */
export class BatchRecords {
  #nextUpdate: number;
  #nextVerdictBatch: number;
  #unsnapshotted: number[];
  #unsnapshottedBytes: number;
  #snapshotBytes: number;
  readonly #retentionMs: number;
  /** The tree document's epoch, written with every snapshot. */
  #epoch: number;
  /** Verdict batches on disk, oldest first. */
  readonly #verdictBatches: StoredVerdictBatch[];

  /** `retentionMs`: verdict batches older than this are deleted (their op ids forgotten) by a later batch. */
  constructor(loaded: LoadedTree, retentionMs: number) {
    this.#retentionMs = retentionMs;
    this.#verdictBatches = [...loaded.verdictBatches];
    this.#nextUpdate = loaded.nextUpdate;
    this.#nextVerdictBatch = loaded.nextVerdictBatch;
    this.#unsnapshotted = [...loaded.updateKeys];
    this.#unsnapshottedBytes = loaded.updateBytes;
    this.#snapshotBytes = loaded.snapshotBytes;
    this.#epoch = loaded.epoch;
  }

  /** The tree document's epoch. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * The entries that make `doc` (a rebuilt tree, tree-epoch.ts) the whole
   * stored document in `epoch`: its snapshot, and the deletion of every
   * update record, in the caller's batch so no restart sees the two epochs
   * mixed.
   */
  rebuild(doc: Y.Doc, epoch: number): Entry[] {
    const snapshot = snapshotEntries(doc, this.#nextUpdate, this.#unsnapshotted, epoch);
    this.#epoch = epoch;
    this.#unsnapshotted = [];
    this.#unsnapshottedBytes = 0;
    this.#snapshotBytes = snapshot.bytes;
    return snapshot.entries;
  }

  /**
   * The entries of one batch written at `nowMs`: device sequence numbers,
   * its audit and verdict records, deletions of verdict batches past their
   * retention (whose op ids go to `forget`: the caller drops them from
   * memory), its document `update` (null: the batch changed no room) and,
   * when due, a snapshot of `doc` replacing the updates before it. `doc`
   * must already hold `update`.
   */
  entries(content: BatchContent, update: Uint8Array | null, doc: Y.Doc, nowMs: number, forget: (opIdHex: string) => void): Entry[] {
    const out: Entry[] = [];
    for (const [device, seq] of content.devices) out.push(deviceEntry(device, seq));
    out.push(...auditEntries(content.audit));
    while (this.#verdictBatches.length > 0 && this.#verdictBatches[0]!.atMs < nowMs - this.#retentionMs) {
      const old = this.#verdictBatches.shift()!;
      out.push(verdictDeletion(old.n));
      for (const id of old.opIds) forget(id);
    }
    if (content.verdicts.length > 0) {
      const n = this.#nextVerdictBatch++;
      out.push(...verdictEntries(n, nowMs, content.verdicts));
      this.#verdictBatches.push({ n, atMs: nowMs, opIds: content.verdicts.map((v) => v.opIdHex) });
    }
    if (update === null) return out;
    const n = this.#nextUpdate++;
    out.push(updateEntry(n, update));
    this.#unsnapshotted.push(n);
    this.#unsnapshottedBytes += update.byteLength;
    if (shouldCompact({ records: this.#unsnapshotted.length, bytes: this.#unsnapshottedBytes, snapshotBytes: this.#snapshotBytes })) {
      const snapshot = snapshotEntries(doc, this.#nextUpdate, this.#unsnapshotted, this.#epoch);
      out.push(...snapshot.entries);
      this.#unsnapshotted = [];
      this.#unsnapshottedBytes = 0;
      this.#snapshotBytes = snapshot.bytes;
    }
    return out;
  }
}
