/**
 * Settings of a relay that is one of several serving one organisation
 * (docs/CLUSTER.md), and the NATS names derived from the cluster's name.
 */

/** `RelayOptions.cluster`. */
export interface ClusterOptions {
  /** NATS servers, `nats://host:port` (several for a NATS cluster). */
  readonly servers: readonly string[];
  /** The organisation's cluster name: every relay started with the same one serves the same organisation. `[A-Za-z0-9_-]{1,32}`. */
  readonly name: string;
  /** This relay's id in the cluster (logs, presence). Default a random one per start. */
  readonly relayId?: string;
  /** The writer lease's time to live: how long a dead writer blocks changes. Default 5 000 ms. */
  readonly leaseTtlMs?: number;
  /** How long a forwarded submission or a log append may take before it is answered CLUSTER_UNAVAILABLE. Default 5 000 ms. */
  readonly requestTimeoutMs?: number;
  /** JetStream replicas of the log and the buckets (3 on a three-node NATS cluster). Default 1. */
  readonly replicas?: number;
  /** PKCS#8 PEM file of the organisation's Ed25519 key, the same file on every relay (the relay key browsers pin). */
  readonly keyFile?: string;
  /**
   * The URL browsers reach this relay's control socket at (`wss://relay-a.example.org/ws`).
   * Advertised to clients as part of the relay list they fail over with; unset: this relay is not advertised.
   */
  readonly publicUrl?: string;
  /**
   * Most state-log requests judged into one append (group commit, D136). Default 1024; 1 turns
   * group commit off (one append per request; what `bench:chat` compares against). Not a file setting.
   */
  readonly stateBatchMax?: number;
}

/** {@link ClusterOptions} with defaults applied. */
export interface ResolvedClusterOptions {
  readonly servers: readonly string[];
  readonly name: string;
  readonly relayId: string;
  readonly leaseTtlMs: number;
  readonly requestTimeoutMs: number;
  readonly replicas: number;
  readonly keyFile: string | undefined;
  readonly publicUrl: string | undefined;
  readonly stateBatchMax: number;
}

/** What a relay list entry may be: a ws(s) URL without spaces, at most 256 bytes (the client checks the same). */
export const RELAY_URL = /^wss?:\/\/[\x21-\x7e]{1,250}$/;

const NAME = /^[A-Za-z0-9_-]{1,32}$/;

/** Applies defaults; returns an error text for invalid settings. */
export function resolveClusterOptions(o: ClusterOptions): ResolvedClusterOptions | string {
  if (!NAME.test(o.name)) return 'cluster name must be 1-32 of A-Z a-z 0-9 _ -';
  if (o.servers.length === 0 || o.servers.some((s) => !/^(nats|tls):\/\/[^\s/]+$/.test(s))) return 'cluster servers must be nats://host:port';
  const relayId = o.relayId ?? `relay-${Math.random().toString(36).slice(2, 10)}`;
  if (!NAME.test(relayId)) return 'cluster relay id must be 1-32 of A-Z a-z 0-9 _ -';
  const leaseTtlMs = o.leaseTtlMs ?? 5_000;
  if (!Number.isSafeInteger(leaseTtlMs) || leaseTtlMs < 500) return 'cluster lease TTL must be at least 500 ms';
  const requestTimeoutMs = o.requestTimeoutMs ?? 5_000;
  const replicas = o.replicas ?? 1;
  if (!Number.isSafeInteger(replicas) || replicas < 1 || replicas > 5) return 'cluster replicas must be 1..5';
  if (o.publicUrl !== undefined && !RELAY_URL.test(o.publicUrl)) return 'cluster public URL must be ws://… or wss://…, at most 256 characters';
  const stateBatchMax = o.stateBatchMax ?? 1024;
  if (!Number.isSafeInteger(stateBatchMax) || stateBatchMax < 1 || stateBatchMax > 100_000) return 'cluster state batch max must be 1..100000';
  return { servers: o.servers, name: o.name, relayId, leaseTtlMs, requestTimeoutMs, replicas, keyFile: o.keyFile, publicUrl: o.publicUrl, stateBatchMax };
}

/** The NATS names one cluster uses. */
export interface ClusterNames {
  /** JetStream stream holding the shared log. */
  readonly stream: string;
  readonly logSubject: string;
  /** Core NATS subject the writer answers forwarded ops on. */
  readonly submitSubject: string;
  /** KV bucket of the writer lease. */
  readonly leaseBucket: string;
  /** KV bucket of presence (one key per user per relay). */
  readonly presenceBucket: string;
  /** Core NATS subject prefix of voice-link offers: relay `x` answers on `<prefix>.x`. */
  readonly linkSubjectPrefix: string;
  /** KV bucket of the live relays (one key per relay: its public URL). */
  readonly relaysBucket: string;
  /** Core NATS subject prefix of remote kicks, moves and presence probes: relay `x` answers on `<prefix>.x`. */
  readonly moderationSubjectPrefix: string;
  /** KV bucket of temporary rooms (memory storage, one key per room: `<owner relay>.<room id>`). */
  readonly tempBucket: string;
  /** Core NATS subject prefix of edits of a temporary room sent to its owner: relay `x` answers on `<prefix>.x`. */
  readonly tempSubjectPrefix: string;
  /** KV bucket of the room leases (placement/: one key per placed room, its holder's relay id). */
  readonly roomLeaseBucket: string;
}

/** Names for cluster `name`. */
export function clusterNames(name: string): ClusterNames {
  return {
    stream: `PARLEY_${name}`,
    logSubject: `parley.${name}.log`,
    submitSubject: `parley.${name}.submit`,
    leaseBucket: `parley-${name}-lease`,
    presenceBucket: `parley-${name}-presence`,
    linkSubjectPrefix: `parley.${name}.rtc`,
    relaysBucket: `parley-${name}-relays`,
    moderationSubjectPrefix: `parley.${name}.mod`,
    tempBucket: `parley-${name}-temp`,
    tempSubjectPrefix: `parley.${name}.temp`,
    roomLeaseBucket: `parley-${name}-rooms`,
  };
}
