/**
 * Ed25519 verification of a whole SubmitOps frame off the main thread.
 *
 * One node:crypto verify costs ~50–90 µs, which alone caps one thread below
 * the relay's 10,000 ops/s goal. The op pipeline stays sequential (permission
 * and invariants depend on the ops before), but signatures do not depend on
 * state, so the tree service asks this pool for a frame's verdicts as soon as
 * the frame arrives and the sequential pipeline consumes them in order.
 *
 * A frame is split across the workers, one message each, with all its bytes
 * packed into one transferred buffer. Frames below `inlineBelow` ops are
 * verified on the calling thread: the round trip would cost more. Workers run
 * plain JavaScript (no TS loader needed) and only use node:crypto; the
 * WebRTC stack stays on the main thread.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** One signature to check: raw 32-byte Ed25519 key, signed bytes, 64-byte signature. */
export interface SignatureCheck {
  readonly author: Uint8Array;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

/** What the tree service needs: verdicts (1 valid, 0 not) in the order asked, and a way to stop. */
export interface SignatureVerifier {
  verifyAll(checks: readonly SignatureCheck[]): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Pool options. */
export interface SignaturePoolOptions {
  /**
   * Worker threads; default one per core, at most 4. 0 verifies everything inline.
   * One per core rather than cores − 1: verification is most of an op's cost, the main thread's
   * share is smaller, and idle workers cost nothing but memory, so the OS balances them against
   * the main thread (on 2 cores, 2 workers beat 1 in bench:ops). Four verify ~50,000 ops/s, past
   * what the sequential pipeline can take.
   */
  readonly size?: number;
  /** Frames with fewer checks are verified inline. Default 8. */
  readonly inlineBelow?: number;
}

const SPKI_PREFIX_HEX = '302a300506032b6570032100';
const KEY_CACHE_LIMIT = 10_000;

// The worker's whole program. Layout of a request: `lens` holds (author, signature, body) byte lengths per
// check; `data` holds those bytes back to back. Reply: one byte per check.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const PREFIX = Buffer.from('${SPKI_PREFIX_HEX}', 'hex');
const keys = new Map();
parentPort.on('message', ({ id, lens, data }) => {
  const l = new Uint32Array(lens);
  const d = Buffer.from(data);
  const n = l.length / 3;
  const out = new Uint8Array(n);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const a = l[3 * i], s = l[3 * i + 1], b = l[3 * i + 2];
    const author = d.subarray(o, o + a), sig = d.subarray(o + a, o + a + s), body = d.subarray(o + a + s, o + a + s + b);
    o += a + s + b;
    if (a !== 32 || s !== 64) continue;
    const k = author.toString('latin1');
    let key = keys.get(k);
    if (key === undefined) {
      try { key = createPublicKey({ key: Buffer.concat([PREFIX, author]), format: 'der', type: 'spki' }); } catch { key = null; }
      if (keys.size > ${KEY_CACHE_LIMIT}) keys.clear();
      keys.set(k, key);
    }
    if (key) { try { out[i] = verify(null, body, key, sig) ? 1 : 0; } catch {} }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;

/** Verifies on the calling thread, caching one KeyObject per author. */
export class InlineVerifier {
  readonly #keys = new Map<string, KeyObject | null>();
  readonly #prefix = Buffer.from(SPKI_PREFIX_HEX, 'hex');

  /** True when `signature` is a valid Ed25519 signature over `body` by raw key `author`. Never throws. */
  verify(author: Uint8Array, body: Uint8Array, signature: Uint8Array): boolean {
    if (author.byteLength !== 32 || signature.byteLength !== 64) return false;
    const k = Buffer.from(author.buffer, author.byteOffset, author.byteLength).toString('latin1');
    let key = this.#keys.get(k);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: Buffer.concat([this.#prefix, author]), format: 'der', type: 'spki' });
      } catch {
        key = null;
      }
      if (this.#keys.size > KEY_CACHE_LIMIT) this.#keys.clear();
      this.#keys.set(k, key);
    }
    if (!key) return false;
    try {
      return verify(null, body, key, signature);
    } catch {
      return false;
    }
  }
}

interface Pending {
  readonly resolve: (out: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/** See the module comment. Call {@link close} when done; workers do not keep the process alive. */
export class SignaturePool implements SignatureVerifier {
  readonly #inline = new InlineVerifier();
  readonly #inlineBelow: number;
  readonly #size: number;
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, { worker: Worker; p: Pending }>();
  #nextId = 1;
  #closed = false;

  constructor(options: SignaturePoolOptions = {}) {
    this.#size = Math.max(0, options.size ?? Math.min(4, availableParallelism()));
    this.#inlineBelow = options.inlineBelow ?? 8;
  }

  /** Worker threads running now (tests check that close() ends them). */
  get threads(): number {
    return this.#workers.length;
  }

  async verifyAll(checks: readonly SignatureCheck[]): Promise<Uint8Array> {
    if (this.#closed || this.#size === 0 || checks.length < this.#inlineBelow) return this.#verifyInline(checks);
    this.#spawn();
    const parts = Math.min(this.#workers.length, Math.ceil(checks.length / this.#inlineBelow));
    const per = Math.ceil(checks.length / parts);
    const out = new Uint8Array(checks.length);
    const jobs: Array<Promise<void>> = [];
    for (let w = 0; w < parts; w++) {
      const from = w * per;
      const slice = checks.slice(from, from + per);
      jobs.push(
        this.#send(this.#workers[w]!, slice).then(
          (verdicts) => out.set(verdicts, from),
          // A worker that died mid-request: the same answer, computed here.
          () => out.set(this.#verifyInline(slice), from),
        ),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /** Ends every worker; later calls verify inline. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  #verifyInline(checks: readonly SignatureCheck[]): Uint8Array {
    const out = new Uint8Array(checks.length);
    for (let i = 0; i < checks.length; i++) out[i] = this.#inline.verify(checks[i]!.author, checks[i]!.body, checks[i]!.signature) ? 1 : 0;
    return out;
  }

  #spawn(): void {
    while (this.#workers.length < this.#size) {
      // Empty execArgv: the worker is plain JS and needs none of the parent's loaders.
      const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
      // Idle workers never keep the process alive; one with a request out does.
      worker.unref();
      worker.on('message', ({ id, out }: { id: number; out: Uint8Array }) => {
        const entry = this.#pending.get(id);
        this.#pending.delete(id);
        if (![...this.#pending.values()].some((e) => e.worker === worker)) worker.unref();
        entry?.p.resolve(out);
      });
      const gone = (error: Error): void => {
        const i = this.#workers.indexOf(worker);
        if (i >= 0) this.#workers.splice(i, 1);
        for (const [id, entry] of this.#pending) {
          if (entry.worker !== worker) continue;
          this.#pending.delete(id);
          entry.p.reject(error);
        }
      };
      worker.on('error', gone);
      worker.on('exit', (code) => gone(new Error(`signature worker exited [code:${code}]`)));
      this.#workers.push(worker);
    }
  }

  #send(worker: Worker, checks: readonly SignatureCheck[]): Promise<Uint8Array> {
    const lens = new Uint32Array(checks.length * 3);
    let total = 0;
    checks.forEach((c, i) => {
      lens[3 * i] = c.author.byteLength;
      lens[3 * i + 1] = c.signature.byteLength;
      lens[3 * i + 2] = c.body.byteLength;
      total += c.author.byteLength + c.signature.byteLength + c.body.byteLength;
    });
    // One copy into a fresh buffer that can be transferred: the frame's own buffer is still in use here.
    const data = new Uint8Array(total);
    let o = 0;
    for (const c of checks) {
      data.set(c.author, o);
      data.set(c.signature, o + c.author.byteLength);
      data.set(c.body, o + c.author.byteLength + c.signature.byteLength);
      o += c.author.byteLength + c.signature.byteLength + c.body.byteLength;
    }
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { worker, p: { resolve, reject } });
      worker.ref();
      worker.postMessage({ id, lens: lens.buffer, data: data.buffer }, [lens.buffer, data.buffer]);
    });
  }
}
