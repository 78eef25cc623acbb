/**
 * Configuration of a relay: what `createRelay` accepts, the limits with their
 * defaults, and the two injected adapters (clock, logger).
 */
import { DEFAULT_LOCKOUT } from './access/lockout.ts';
import type { LockoutPolicy } from './access/lockout.ts';
import type { GuestPolicy } from './access/admission.ts';
import type { ChatLimits } from './chat/chat-limits.ts';
import { resolveChatLimits } from './chat/chat-limits.ts';
import type { ChatPolicy } from './chat/authorize.ts';
import type { FileLimits } from './files/file-limits.ts';
import { resolveFileLimits } from './files/file-limits.ts';
import type { TurnSettings } from './files/turn-credentials.ts';
import type { FilePolicy } from './files/file-policy.ts';
import { RelayError } from './errors.ts';
import { MAX_CONTROL_FRAME_BYTES } from '../proto/index.ts';
import type { CertificateProbe } from './ops/readiness.ts';
import type { TlsOptions } from './tls/options.ts';
import { resolveClusterOptions } from './cluster/options.ts';
import type { ClusterOptions, ResolvedClusterOptions } from './cluster/options.ts';

import type { Clock } from './clock.ts';

export type { Clock } from './clock.ts';

/** Text sink for log lines (`what [key:value, ...]`). */
export interface Logger {
  debug(line: string): void;
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

/** Tunable limits. Every field has a default, see {@link DEFAULT_LIMITS}. */
export interface RelayLimits {
  /** Time a connection has to send `clientAuth` after `serverHello`. Default 10 000 ms. */
  readonly authTimeoutMs: number;
  /** Interval of the relay's liveness `ping`. Default 15 000 ms. */
  readonly pingIntervalMs: number;
  /** An authenticated socket silent for this long is closed. Default 30 000 ms. */
  readonly idleTimeoutMs: number;
  /** Bad frames (malformed, unknown, bad request) a connection may send before it is closed. Default 20. */
  readonly maxBadFrames: number;
  /** Control-frame token bucket: burst size. Default 50. */
  readonly controlBurst: number;
  /** Control-frame token bucket: refill per second. Default 20. */
  readonly controlPerSecond: number;
  /** Consecutive rate-limited control frames after which the socket is closed. Default 100. */
  readonly maxRateLimitedFrames: number;
  /** Per-sender voice datagram token bucket: burst size. Default 100. */
  readonly datagramBurst: number;
  /** Per-sender voice datagram token bucket: refill per second. Default 150 (a 20 ms stream is 50/s). */
  readonly datagramPerSecond: number;
  /** A recipient whose DataChannel buffers more than this many bytes is skipped. Default 16 384 (about 1 s of one speaker). */
  readonly sendBufferCap: number;
  /** A voice datagram more than this many ms later than its sender's best case is dropped, not forwarded. 0 disables. Default 60. */
  readonly maxDatagramAgeMs: number;
  /** How long `close()` waits for sockets to finish their close handshake. Default 1 000 ms. */
  readonly closeGraceMs: number;
  /** Signed-op token bucket per identity key (shared by its sessions): burst (an offline queue flushing). Default 2 000. */
  readonly opBurst: number;
  /** Signed-op token bucket per identity key: refill per second. Default 200. */
  readonly opPerSecond: number;
  /**
   * How long the verdict of an op id is kept for answering retries (a repeated op id gets its
   * earlier verdict). After that a retry is answered `OP_REPLAYED` by its sequence number. Default 90 days.
   */
  readonly verdictRetentionMs: number;
  /**
   * Deleted entries after which the membership document starts a new epoch
   * (once they also outnumber live entries 4:1): bounds what every session
   * that ever came and went costs (relay/tree/members-doc.ts).
   */
  readonly membersCompactAfterDeletes: number;
  /**
   * Per-connection send budget: most bytes the relay holds unsent for one
   * control socket (what the kernel has not taken yet). A frame that would
   * exceed it closes the connection as a slow reader (close code 4101) instead
   * of being queued, so a client that stops reading costs at most this much.
   * Default 4 MiB (a few dozen full pages; far more than a reading client ever has queued).
   */
  readonly sendBudgetBytes: number;
  /**
   * Soft mark of the send buffer: above it, optional replies (history pages)
   * are refused with `ERROR_CODE_SLOW_DOWN`. Default 1 MiB.
   */
  readonly sendSoftBytes: number;
  /**
   * A socket that stays congested this long (its buffer passed the soft mark or a page was refused, and it has
   * not drained to half the soft mark since) is closed as a slow reader. Default 20 000 ms.
   */
  readonly sendStallMs: number;
  /**
   * Optional requests a congested client may have refused (SLOW_DOWN) before
   * it is closed as a slow reader without waiting for `sendStallMs`: a client
   * that reads waits for its pages and asks again when the user does, so one
   * that keeps asking while it does not read is flooding. Counted per
   * congestion episode. Default 32.
   */
  readonly maxRefusedWhileCongested: number;
  /**
   * Time an HTTP request (the WebSocket upgrade included: it is headers only)
   * has to send all its headers; a half-sent request is answered 408 and
   * closed. Node's default is 60 s. Default 5 000 ms.
   */
  readonly httpHeadersTimeoutMs: number;
  /** Time a whole HTTP request may take to arrive (at least `httpHeadersTimeoutMs`). Default 10 000 ms. */
  readonly httpRequestTimeoutMs: number;
  /**
   * Concurrent TCP connections from one peer address (behind `trustProxy`:
   * WebSocket connections per forwarded address; access/connection-cap.ts).
   * Beyond it a connection is answered 503 and closed. Default 256: an
   * office behind one NAT shares an address, while a tab costs one connection.
   */
  readonly maxConnectionsPerAddress: number;
  /**
   * Signed-in sessions the relay holds at most (Mumble's `users`); past it a
   * sign-in is refused `SERVER_FULL`, except an admin's. Bounds what presence,
   * the roster pages and every broadcast cost. Default 10 000 (bench:scale
   * measures 5 000 on one 2-core process).
   */
  readonly maxSessions: number;
  /**
   * Deleted-room keys after which the room-tree document is rebuilt from the
   * live rooms under a new epoch (once they also outnumber the live rooms):
   * bounds what every room ever deleted costs a fresh client's first sync
   * (relay/tree/tree-epoch.ts). Default 1 024 (about 20 KB of tombstones).
   */
  readonly treeEpochAfterDeletes: number;
  /**
   * Most op verdicts kept per key without a role (a guest key, free to make).
   * Oldest evicted first; a retry whose verdict was evicted is judged by its
   * sequence number (`OP_REPLAYED`). Default 64.
   */
  readonly freeVerdictsPerKey: number;
  /**
   * Most op verdicts kept over all keys without a role, in memory and on disk
   * (~200 bytes each in memory). Oldest evicted first. Default 16 384 (~3 MB).
   */
  readonly freeVerdictsTotal: number;
}

/** Defaults for {@link RelayLimits}. */
export const DEFAULT_LIMITS: RelayLimits = Object.freeze({
  authTimeoutMs: 10_000,
  pingIntervalMs: 15_000,
  idleTimeoutMs: 30_000,
  maxBadFrames: 20,
  controlBurst: 50,
  controlPerSecond: 20,
  maxRateLimitedFrames: 100,
  datagramBurst: 100,
  datagramPerSecond: 150,
  sendBufferCap: 16 * 1024,
  maxDatagramAgeMs: 60,
  closeGraceMs: 1_000,
  opBurst: 2_000,
  opPerSecond: 200,
  verdictRetentionMs: 90 * 24 * 3_600_000,
  membersCompactAfterDeletes: 1_024,
  sendBudgetBytes: 4 * 1024 * 1024,
  sendSoftBytes: 1024 * 1024,
  sendStallMs: 20_000,
  maxRefusedWhileCongested: 32,
  httpHeadersTimeoutMs: 5_000,
  httpRequestTimeoutMs: 10_000,
  maxConnectionsPerAddress: 256,
  maxSessions: 10_000,
  treeEpochAfterDeletes: 1_024,
  freeVerdictsPerKey: 64,
  freeVerdictsTotal: 16_384,
});

/** WebRTC settings for the relay's PeerConnections. */
export interface RtcOptions {
  /** STUN/TURN servers as node-datachannel accepts them (`stun:host:port`). Default none. */
  readonly iceServers?: readonly string[];
  /** Restrict ICE to a UDP port range (firewalls). Default: any port. */
  readonly portRangeBegin?: number;
  readonly portRangeEnd?: number;
  /**
   * Serve every PeerConnection on this one UDP port (libjuice's ICE UDP mux)
   * instead of one socket each. Cheaper per packet with many users (one
   * socket to poll instead of hundreds) and one port to open in a firewall.
   * Overrides the port range. Default: off.
   */
  readonly udpMuxPort?: number;
}

/** Options of `createRelay`. */
export interface RelayOptions {
  /** TCP port for HTTP and the WebSocket; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. Default `'0.0.0.0'`. */
  readonly host?: string;
  /** Directory of the LevelDB store; created if missing. */
  readonly dataDir: string;
  /** Server password; when set, clients must present it. Only its scrypt hash is kept. */
  readonly password?: string;
  /** Directory of the built client (`dist/client`). Missing: a "not built" page is served. */
  readonly staticDir?: string;
  /** Name shown to clients in `serverHello`. Default `'Parley'`. */
  readonly serverName?: string;
  /** Default `Date`-based clock. */
  readonly clock?: Clock;
  /** Default: no logging. */
  readonly logger?: Logger;
  readonly limits?: Partial<RelayLimits>;
  readonly rtc?: RtcOptions;
  /** Whether keys without a role get in as guests. Default `'auto'`: only while the relay has no admin. */
  readonly guests?: GuestPolicy;
  /** Believe the last `X-Forwarded-For` entry as the client address (behind a reverse proxy). Default false. */
  readonly trustProxy?: boolean;
  /** Brute-force lock-out per address. Default Mumble's: 10 failures in 120 s lock out for 300 s. */
  readonly lockout?: Partial<LockoutPolicy>;
  /** Chat history bounds and send rate. */
  readonly chat?: Partial<ChatLimits>;
  /** Replaces the default chat permission rules (the ACL hook). Default `authorizeChat`. */
  readonly chatPolicy?: ChatPolicy;
  /** File sharing limits and switches (issue 16); defaults in relay/files/file-limits.ts. */
  readonly files?: Partial<FileLimits>;
  /** Replaces who may share and fetch files where (the per-room "share files" hook). Default `authorizeFiles`. */
  readonly filePolicy?: FilePolicy;
  /** The admin's coturn (turn-urls, turn-secret, turn-ttl): signed-in clients get short-lived credentials for it. Default none. */
  readonly turn?: TurnSettings;
  /**
   * Voice worker processes. 0 (default) forwards voice in this process; N > 0
   * forks N child processes that own the PeerConnections and forward voice,
   * so forwarding uses N cores (see ARCHITECTURE.md). With `rtc.udpMuxPort`
   * P, worker i serves ICE on UDP port P + i.
   */
  readonly voiceWorkers?: number;
  /**
   * Emit a `voice-load` event (logged as `voice load [...]`) this often, for
   * intervals with voice traffic or drops. Default 0: off (the CLI sets 60 s).
   */
  readonly loadReportIntervalMs?: number;
  /** Bearer token `/metrics` requires; without it only loopback clients may scrape. Never logged. */
  readonly metricsToken?: string;
  /** TLS hook (relay/tls/): the served certificate's validity, for `/readyz` and `/metrics`. */
  readonly certificate?: CertificateProbe;
  /** Worker threads verifying op signatures. Default one per core, at most 4; 0 verifies on the main thread. */
  readonly signatureThreads?: number;
  /** HTTPS and WSS on `port` (relay/tls). Default none: plain HTTP, for localhost. */
  readonly tls?: TlsOptions;
  /** One of several relays serving one organisation over NATS JetStream (relay/cluster, docs/CLUSTER.md). Default none: this relay alone. */
  readonly cluster?: ClusterOptions;
}

/** {@link RelayOptions} with defaults applied and validated. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly password: string | undefined;
  readonly staticDir: string | undefined;
  readonly serverName: string;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly limits: RelayLimits;
  readonly rtc: RtcOptions;
  readonly guests: GuestPolicy;
  readonly trustProxy: boolean;
  readonly lockout: LockoutPolicy;
  readonly chat: ChatLimits;
  readonly chatPolicy: ChatPolicy | undefined;
  readonly files: FileLimits;
  readonly filePolicy: FilePolicy | undefined;
  readonly turn: TurnSettings | undefined;
  readonly voiceWorkers: number;
  readonly loadReportIntervalMs: number;
  readonly metricsToken: string | undefined;
  readonly certificate: CertificateProbe | undefined;
  readonly tls: TlsOptions | undefined;
  readonly cluster: ResolvedClusterOptions | undefined;
}

/** Most voice worker processes a relay accepts. */
export const MAX_VOICE_WORKERS = 64;

/** Applies defaults; throws `RelayError('invalid-options')` on values that cannot work. */
export function resolveOptions(options: RelayOptions): ResolvedOptions {
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw RelayError.invalidOptions(`port must be an integer in 0..65535 [port:${port}]`);
  }
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw RelayError.invalidOptions('dataDir is required');
  }
  if (options.password !== undefined && options.password === '') {
    throw RelayError.invalidOptions('password must not be empty when given');
  }
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw RelayError.invalidOptions(`limit must be a finite number >= 0 [limit:${name}]`);
    }
  }
  if (limits.sendSoftBytes > limits.sendBudgetBytes || limits.sendBudgetBytes < MAX_CONTROL_FRAME_BYTES * 2) {
    throw RelayError.invalidOptions(`sendBudgetBytes must be at least two frames and not below sendSoftBytes [sendBudgetBytes:${limits.sendBudgetBytes}, sendSoftBytes:${limits.sendSoftBytes}]`);
  }
  const guests = options.guests ?? 'auto';
  if (guests !== 'auto' && guests !== 'allow' && guests !== 'deny') {
    throw RelayError.invalidOptions(`guests must be auto, allow or deny [guests:${String(guests)}]`);
  }
  const lockout: LockoutPolicy = { ...DEFAULT_LOCKOUT, ...options.lockout };
  for (const [name, value] of Object.entries(lockout)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw RelayError.invalidOptions(`lockout setting must be a finite number >= 0 [setting:${name}]`);
    }
  }
  const voiceWorkers = options.voiceWorkers ?? 0;
  if (!Number.isInteger(voiceWorkers) || voiceWorkers < 0 || voiceWorkers > MAX_VOICE_WORKERS) {
    throw RelayError.invalidOptions(`voiceWorkers must be an integer in 0..${MAX_VOICE_WORKERS} [voiceWorkers:${voiceWorkers}]`);
  }
  const loadReportIntervalMs = options.loadReportIntervalMs ?? 0;
  if (!Number.isFinite(loadReportIntervalMs) || loadReportIntervalMs < 0) {
    throw RelayError.invalidOptions(`loadReportIntervalMs must be a finite number >= 0 [loadReportIntervalMs:${loadReportIntervalMs}]`);
  }
  if (options.metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(options.metricsToken)) {
    throw RelayError.invalidOptions('metricsToken must be at least 16 printable characters without spaces');
  }
  const mux = options.rtc?.udpMuxPort;
  if (mux !== undefined && voiceWorkers > 1 && mux + voiceWorkers - 1 > 65_535) {
    throw RelayError.invalidOptions(`udpMuxPort + voiceWorkers - 1 must be a port [udpMuxPort:${mux}, voiceWorkers:${voiceWorkers}]`);
  }
  const cluster = options.cluster ? resolveClusterOptions(options.cluster) : undefined;
  if (typeof cluster === 'string') throw RelayError.invalidOptions(cluster);
  return {
    cluster,
    voiceWorkers,
    loadReportIntervalMs,
    guests,
    trustProxy: options.trustProxy ?? false,
    lockout,
    port,
    host: options.host ?? '0.0.0.0',
    dataDir: options.dataDir,
    password: options.password,
    staticDir: options.staticDir,
    serverName: options.serverName ?? 'Parley',
    clock: options.clock ?? { now: () => Date.now() },
    logger: options.logger,
    limits,
    rtc: options.rtc ?? {},
    chat: resolveChatLimits(options.chat),
    chatPolicy: options.chatPolicy,
    files: resolveFileLimits(options.files),
    filePolicy: options.filePolicy,
    turn: resolveTurn(options.turn),
    metricsToken: options.metricsToken,
    certificate: options.certificate,
    tls: options.tls,
  };
}

/** Checks the coturn settings: turn:/turns: URLs, a non-empty secret, a lifetime of at least a minute. */
function resolveTurn(turn: TurnSettings | undefined): TurnSettings | undefined {
  if (turn === undefined) return undefined;
  if (turn.urls.length === 0 || turn.urls.some((u) => !/^turns?:[^\s]+$/.test(u))) throw RelayError.invalidOptions('turn urls must be turn: or turns: URLs');
  if (turn.secret === '') throw RelayError.invalidOptions('turn secret must not be empty');
  if (!Number.isInteger(turn.ttlSeconds) || turn.ttlSeconds < 60) throw RelayError.invalidOptions('turn ttl must be a whole number of seconds, at least 60');
  return turn;
}
