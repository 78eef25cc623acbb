/**
 * Messages between the relay's main process and its voice worker processes
 * (Node's `process.send` IPC, JSON). Both sides validate every message they
 * receive: a worker is our own code, but a bug there must not crash the main
 * process (or the other way round), so a message that does not parse is
 * counted and dropped. Pure: no I/O.
 *
 * main -> worker: init, peers, presence, placed, offer, candidate, end, sync.
 * worker -> main: up, description, candidate, ready, rejected, stats, error, synced.
 */
import { DATAGRAM_DROP_REASONS } from '../../stats.ts';
import type { DatagramDropReason } from '../../stats.ts';
import type { RelayLimits, RtcOptions } from '../../options.ts';

/** The router limits a worker needs. */
export type WorkerLimits = Pick<RelayLimits, 'datagramBurst' | 'datagramPerSecond' | 'sendBufferCap' | 'maxDatagramAgeMs'>;

/** Main process -> worker. */
export type ToWorker =
  /** First message: which slot this is and how to run. */
  | { readonly t: 'init'; readonly index: number; readonly limits: WorkerLimits; readonly rtc: RtcOptions }
  /** Loopback UDP port of every worker slot (0: none running). */
  | { readonly t: 'peers'; readonly ports: readonly number[] }
  /** A session's room (voice id, 0 = left), mute and deafen state. */
  | { readonly t: 'presence'; readonly s: number; readonly v: number; readonly m: boolean; readonly d: boolean }
  /** Which worker holds the session's PeerConnection (-1: none). */
  | { readonly t: 'placed'; readonly s: number; readonly w: number }
  /** `b`: the client reads BUNDLE datagrams; `o`: the client's offer number, echoed in what this offer's PeerConnection reports. */
  | { readonly t: 'offer'; readonly s: number; readonly sdp: string; readonly b: boolean; readonly o: number }
  | { readonly t: 'candidate'; readonly s: number; readonly candidate: string; readonly mid: string }
  /** The session ended (or moved its PeerConnection to another worker). */
  | { readonly t: 'end'; readonly s: number }
  /** Barrier: answered with `synced` once everything sent before it is applied (IPC is ordered). */
  | { readonly t: 'sync'; readonly id: number };

/** Worker -> main process. */
export type FromWorker =
  /** Initialised; its loopback UDP socket listens on `port`. */
  | { readonly t: 'up'; readonly port: number }
  /** `o`: the offer number this PeerConnection was made for (signalling.ts). */
  | { readonly t: 'description'; readonly s: number; readonly o: number; readonly type: string; readonly sdp: string }
  | { readonly t: 'candidate'; readonly s: number; readonly o: number; readonly candidate: string; readonly mid: string }
  | { readonly t: 'ready'; readonly s: number }
  | { readonly t: 'rejected'; readonly s: number; readonly what: 'offer' | 'candidate' }
  /** Counters since the previous stats message; `samples` are some of the drops, for the `drop` event. */
  | {
      readonly t: 'stats';
      readonly forwarded: number;
      readonly bundled: number;
      readonly drops: Readonly<Partial<Record<DatagramDropReason, number>>>;
      readonly samples: ReadonlyArray<readonly [DatagramDropReason, number]>;
    }
  | { readonly t: 'error'; readonly where: string; readonly message: string }
  | { readonly t: 'synced'; readonly id: number };

/** Longest string field accepted (an SDP is 1-3 KB; the signalling layer caps it at 32 KiB). */
const MAX_TEXT = 64 * 1024;
/** Most drop samples per stats message. */
export const MAX_DROP_SAMPLES = 64;
const MAX_WORKERS = 256;

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function uint(x: unknown, max = 0xffff_ffff): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= max;
}
function text(x: unknown): x is string {
  return typeof x === 'string' && x.length <= MAX_TEXT;
}
function session(o: Obj): boolean {
  return uint(o.s) && o.s > 0;
}

function parseLimits(x: unknown): WorkerLimits | undefined {
  if (!isObj(x)) return undefined;
  const keys = ['datagramBurst', 'datagramPerSecond', 'sendBufferCap', 'maxDatagramAgeMs'] as const;
  for (const k of keys) if (typeof x[k] !== 'number' || !Number.isFinite(x[k]) || (x[k] as number) < 0) return undefined;
  return { datagramBurst: x.datagramBurst as number, datagramPerSecond: x.datagramPerSecond as number, sendBufferCap: x.sendBufferCap as number, maxDatagramAgeMs: x.maxDatagramAgeMs as number };
}

function parseRtc(x: unknown): RtcOptions | undefined {
  if (!isObj(x)) return undefined;
  const out: { iceServers?: string[]; portRangeBegin?: number; portRangeEnd?: number; udpMuxPort?: number } = {};
  if (x.iceServers !== undefined) {
    if (!Array.isArray(x.iceServers) || x.iceServers.length > 32 || !x.iceServers.every(text)) return undefined;
    out.iceServers = x.iceServers as string[];
  }
  for (const k of ['portRangeBegin', 'portRangeEnd', 'udpMuxPort'] as const) {
    if (x[k] === undefined) continue;
    if (!uint(x[k], 65_535)) return undefined;
    out[k] = x[k];
  }
  return out;
}

/** Parses a message the main process sent; undefined when it is not one. */
export function parseToWorker(x: unknown): ToWorker | undefined {
  if (!isObj(x)) return undefined;
  switch (x.t) {
    case 'init': {
      const limits = parseLimits(x.limits);
      const rtc = parseRtc(x.rtc);
      return uint(x.index, MAX_WORKERS) && limits && rtc ? { t: 'init', index: x.index, limits, rtc } : undefined;
    }
    case 'peers':
      return Array.isArray(x.ports) && x.ports.length <= MAX_WORKERS && x.ports.every((p) => uint(p, 65_535))
        ? { t: 'peers', ports: x.ports as number[] }
        : undefined;
    case 'presence':
      return session(x) && uint(x.v) && typeof x.m === 'boolean' && typeof x.d === 'boolean'
        ? { t: 'presence', s: x.s as number, v: x.v, m: x.m, d: x.d }
        : undefined;
    case 'placed':
      return session(x) && typeof x.w === 'number' && Number.isInteger(x.w) && x.w >= -1 && x.w < MAX_WORKERS
        ? { t: 'placed', s: x.s as number, w: x.w }
        : undefined;
    case 'offer':
      return session(x) && text(x.sdp) && typeof x.b === 'boolean' && uint(x.o) ? { t: 'offer', s: x.s as number, sdp: x.sdp, b: x.b, o: x.o } : undefined;
    case 'candidate':
      return session(x) && text(x.candidate) && text(x.mid) ? { t: 'candidate', s: x.s as number, candidate: x.candidate, mid: x.mid } : undefined;
    case 'end':
      return session(x) ? { t: 'end', s: x.s as number } : undefined;
    case 'sync':
      return uint(x.id) ? { t: 'sync', id: x.id } : undefined;
    default:
      return undefined;
  }
}

const REASONS: ReadonlySet<string> = new Set(DATAGRAM_DROP_REASONS);

function parseDrops(x: unknown): Partial<Record<DatagramDropReason, number>> | undefined {
  if (!isObj(x)) return undefined;
  const out: Partial<Record<DatagramDropReason, number>> = {};
  for (const [k, v] of Object.entries(x)) {
    if (!REASONS.has(k) || !uint(v, Number.MAX_SAFE_INTEGER)) return undefined;
    out[k as DatagramDropReason] = v;
  }
  return out;
}

function parseSamples(x: unknown): Array<readonly [DatagramDropReason, number]> | undefined {
  if (!Array.isArray(x) || x.length > MAX_DROP_SAMPLES) return undefined;
  const out: Array<readonly [DatagramDropReason, number]> = [];
  for (const item of x) {
    if (!Array.isArray(item) || item.length !== 2 || typeof item[0] !== 'string' || !REASONS.has(item[0]) || !uint(item[1])) return undefined;
    out.push([item[0] as DatagramDropReason, item[1]]);
  }
  return out;
}

/** Parses a message a worker sent; undefined when it is not one. */
export function parseFromWorker(x: unknown): FromWorker | undefined {
  if (!isObj(x)) return undefined;
  switch (x.t) {
    case 'up':
      return uint(x.port, 65_535) && x.port > 0 ? { t: 'up', port: x.port } : undefined;
    case 'description':
      return session(x) && uint(x.o) && text(x.type) && text(x.sdp) ? { t: 'description', s: x.s as number, o: x.o, type: x.type, sdp: x.sdp } : undefined;
    case 'candidate':
      return session(x) && uint(x.o) && text(x.candidate) && text(x.mid) ? { t: 'candidate', s: x.s as number, o: x.o, candidate: x.candidate, mid: x.mid } : undefined;
    case 'ready':
      return session(x) ? { t: 'ready', s: x.s as number } : undefined;
    case 'rejected':
      return session(x) && (x.what === 'offer' || x.what === 'candidate') ? { t: 'rejected', s: x.s as number, what: x.what } : undefined;
    case 'stats': {
      const drops = parseDrops(x.drops);
      const samples = parseSamples(x.samples);
      return uint(x.forwarded, Number.MAX_SAFE_INTEGER) && uint(x.bundled, Number.MAX_SAFE_INTEGER) && drops && samples
        ? { t: 'stats', forwarded: x.forwarded, bundled: x.bundled, drops, samples }
        : undefined;
    }
    case 'synced':
      return uint(x.id) ? { t: 'synced', id: x.id } : undefined;
    case 'error':
      return text(x.where) && text(x.message) ? { t: 'error', where: x.where, message: x.message } : undefined;
    default:
      return undefined;
  }
}
