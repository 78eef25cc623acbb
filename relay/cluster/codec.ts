/**
 * The bytes relays exchange over NATS (docs/PROTOCOL.md, "Relay to relay"):
 * a shared-log entry (one writer batch), ops forwarded to the writer and its
 * verdicts, and one presence record. JSON with base64 bytes: small, readable
 * with `nats stream view`, and versioned by `v`. Every decoder validates the
 * whole shape and never throws: a relay of another version or a stray
 * publisher on the subject cannot crash a relay.
 */
import { REJECT_CODES } from '../../crdt/index.ts';
import type { Actor, RejectCode } from '../../crdt/index.ts';
import { decodeFailure } from '../../proto/errors.ts';
import type { Decoded } from '../../proto/errors.ts';
import { MAX_GRANTS_PER_KEY } from '../perms/room-passwords.ts';
import type { ForwardedOps, ForwardedVerdicts, LogBatch, LoggedOp } from '../tree/replication.ts';

/** Largest message a relay accepts from NATS (the server's default max_payload). */
export const MAX_CLUSTER_MESSAGE_BYTES = 1024 * 1024;
const VERSION = 1;
const MAX_OPS = 100_000;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
/** Field helpers, shared with state-codec.ts: each reader throws inside {@link parse}, which turns it into a Decoded failure. */
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Thrown inside a decoder only, turned into a Decoded failure at its edge. */
class Bad extends Error {}

export const fail = (what: string): never => {
  throw new Bad(what);
};
export const obj = (v: unknown, what: string): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(what));
export const str = (v: unknown, what: string, max = 4096): string => (typeof v === 'string' && v.length <= max ? v : fail(what));
export const int = (v: unknown, what: string): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(what));
export const bool = (v: unknown, what: string): boolean => (typeof v === 'boolean' ? v : fail(what));
export const bytes = (v: unknown, what: string): Uint8Array => {
  const s = str(v, what, MAX_CLUSTER_MESSAGE_BYTES * 2);
  if (s.length % 4 !== 0 || !B64.test(s)) fail(what);
  return new Uint8Array(Buffer.from(s, 'base64'));
};
export const list = (v: unknown, what: string): unknown[] => (Array.isArray(v) && v.length <= MAX_OPS ? v : fail(what));
const rejectCode = (v: unknown): RejectCode | null => (v === null ? null : (REJECT_CODES as readonly unknown[]).includes(v) ? (v as RejectCode) : fail('code'));
const ROLES: ReadonlyArray<Actor['role']> = ['admin', 'member', 'guest'];

/** Parses one versioned JSON message with `read`; never throws for bad input. */
export function parse<T>(data: Uint8Array, read: (root: Record<string, unknown>) => T): Decoded<T> {
  if (data.byteLength === 0) return decodeFailure('empty', 'empty message');
  if (data.byteLength > MAX_CLUSTER_MESSAGE_BYTES) return decodeFailure('too-large', `over ${MAX_CLUSTER_MESSAGE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(dec.decode(data));
  } catch {
    return decodeFailure('malformed', 'not UTF-8 JSON');
  }
  try {
    const root = obj(json, 'message');
    if (root.v !== VERSION) return decodeFailure('bad-value', `version ${String(root.v)}`);
    return { ok: true, value: read(root) };
  } catch (error) {
    if (error instanceof Bad) return decodeFailure('bad-value', error.message);
    throw error;
  }
}

/** One versioned JSON message. */
export const encode = (value: Record<string, unknown>): Uint8Array => enc.encode(JSON.stringify({ v: VERSION, ...value }));

/** One log entry's bytes. */
export function encodeLogBatch(batch: LogBatch): Uint8Array {
  return encode({
    ops: batch.ops.map((o) => ({ b: b64(o.body), s: b64(o.signature), c: o.code, r: o.reason, q: o.seq, t: o.atMs, f: o.free })),
    u: batch.update ? b64(batch.update) : null,
    sn: batch.snapshot ? { d: b64(batch.snapshot.v2), e: batch.snapshot.epoch } : null,
  });
}

/** Parses one log entry. */
export function decodeLogBatch(data: Uint8Array): Decoded<LogBatch> {
  return parse(data, (root) => {
    const ops = list(root.ops, 'ops').map((raw): LoggedOp => {
      const o = obj(raw, 'op');
      return { body: bytes(o.b, 'body'), signature: bytes(o.s, 'signature'), code: rejectCode(o.c), reason: str(o.r, 'reason'), seq: int(o.q, 'seq'), atMs: int(o.t, 'at'), free: bool(o.f, 'free') };
    });
    const update = root.u === null ? null : bytes(root.u, 'update');
    const sn = root.sn === null ? null : obj(root.sn, 'snapshot');
    const snapshot = sn ? { v2: bytes(sn.d, 'snapshot'), epoch: int(sn.e, 'epoch') } : null;
    return { ops, update, snapshot };
  });
}

/** Ops forwarded to the writer. */
export function encodeForwardedOps(f: ForwardedOps): Uint8Array {
  return encode({
    by: b64(f.submitter),
    // The submitter's view of each author, whole: the writer judges rules with "in this room" conditions
    // and password groups by what the relay holding the session knows (room passwords are per relay).
    actors: [...f.actors].map(([key, a]) => (a ? [key, a.role, a.roomId ?? null, [...(a.passwordGroups ?? [])]] : [key, null])),
    ops: f.ops.map((o) => [b64(o.body), b64(o.signature)]),
  });
}

/** Parses forwarded ops. */
export function decodeForwardedOps(data: Uint8Array): Decoded<ForwardedOps> {
  return parse(data, (root) => {
    const actors = new Map<string, Actor | null>();
    for (const raw of list(root.actors, 'actors')) {
      const pair = list(raw, 'actor');
      const key = str(pair[0], 'actor key', 64);
      const role = pair[1] === null ? null : ROLES.includes(pair[1] as Actor['role']) ? (pair[1] as Actor['role']) : fail('role');
      if (role === null || pair.length < 4) {
        // Two entries: a relay from before rooms and password groups were forwarded.
        actors.set(key, role === null ? null : { keyHex: key, role });
        continue;
      }
      const roomId = pair[2] === null ? null : str(pair[2], 'actor room', 128);
      const groups = list(pair[3], 'actor groups');
      if (groups.length > MAX_GRANTS_PER_KEY) fail('actor groups');
      actors.set(key, { keyHex: key, role, roomId, passwordGroups: new Set(groups.map((g) => str(g, 'actor group', 200))) });
    }
    const ops = list(root.ops, 'ops').map((raw) => {
      const pair = list(raw, 'op');
      return { body: bytes(pair[0], 'body'), signature: bytes(pair[1], 'signature') };
    });
    return { submitter: bytes(root.by, 'submitter'), actors, ops };
  });
}

/** The writer's verdicts on forwarded ops. */
export function encodeForwardedVerdicts(v: ForwardedVerdicts): Uint8Array {
  return encode({
    seq: v.logSeq,
    results: v.results.map((r) => {
      const base = [b64(r.opId), r.code, r.reason, r.serverSeq.toString()];
      // A fifth entry only for permission refusals: the denial the submitter's UI explains.
      return r.denial ? [...base, [r.denial.permission, r.denial.roomId, r.denial.ruleId]] : base;
    }),
  });
}

/** Parses the writer's verdicts. */
export function decodeForwardedVerdicts(data: Uint8Array): Decoded<ForwardedVerdicts> {
  return parse(data, (root) => {
    const results = list(root.results, 'results').map((raw) => {
      const r = list(raw, 'result');
      const serverSeq = str(r[3], 'server seq', 20);
      if (!/^\d+$/.test(serverSeq)) fail('server seq');
      const result = { opId: bytes(r[0], 'op id'), code: int(r[1], 'code'), reason: str(r[2], 'reason'), serverSeq: BigInt(serverSeq) };
      if (r.length < 5) return result;
      const d = list(r[4], 'denial');
      return { ...result, denial: { permission: str(d[0], 'denial permission', 32), roomId: str(d[1], 'denial room', 128), ruleId: str(d[2], 'denial rule', 64) } };
    });
    return { logSeq: int(root.seq, 'seq'), results };
  });
}

/** Where one user is, as the relay holding them publishes it (presence-sync.ts). */
export interface PresenceRecord {
  /** The relay's id in the cluster. */
  readonly relay: string;
  readonly sessionId: number;
  readonly publicKey: Uint8Array;
  readonly displayName: string;
  readonly roomId: string;
  readonly muted: boolean;
  readonly deafened: boolean;
  /** Wire Role number. */
  readonly role: number;
}

/** One presence record. */
export function encodePresence(p: PresenceRecord): Uint8Array {
  return encode({ relay: p.relay, s: p.sessionId, k: b64(p.publicKey), n: p.displayName, room: p.roomId, m: p.muted, d: p.deafened, role: p.role });
}

/** Parses a presence record. */
export function decodePresence(data: Uint8Array): Decoded<PresenceRecord> {
  return parse(data, (root) => ({
    relay: str(root.relay, 'relay', 64),
    sessionId: int(root.s, 'session'),
    publicKey: bytes(root.k, 'key'),
    displayName: str(root.n, 'name', 256),
    roomId: str(root.room, 'room', 128),
    muted: bool(root.m, 'muted'),
    deafened: bool(root.d, 'deafened'),
    role: int(root.role, 'role'),
  }));
}
