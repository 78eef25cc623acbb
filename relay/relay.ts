/**
 * What a running relay offers its embedder (`createRelay` in create-relay.ts
 * builds one): its addresses, key, stats, TLS controls and shutdown.
 */
import type { EventSource } from '../proto/typed-emitter.ts';
import type { ClusterHandle } from './cluster/index.ts';
import type { RelayEvents } from './events.ts';
import type { RelayStats } from './stats.ts';
import type { TlsStatus } from './tls/index.ts';

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws';

/** A running relay. */
export interface Relay extends EventSource<RelayEvents> {
  /** Base HTTP URL, e.g. `http://127.0.0.1:8080/` (`localhost` when bound to all interfaces). */
  readonly url: string;
  /** WebSocket URL of the control endpoint. */
  readonly wsUrl: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  /** The relay's persistent Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /**
   * While the relay has no admin: a fresh one-use admin invite signed by the
   * relay (158 bytes; the link is `url + inviteFragment(bytes)`). Undefined
   * once an admin exists.
   */
  readonly bootstrapInvite: Uint8Array | undefined;
  /** Drop counters by reason, forwarded datagrams, and per voice worker counters. */
  stats(): RelayStats;
  /**
   * Resolves once every room, mute and deafen change made so far is enforced
   * on the voice path. Immediate without voice workers; with them, changes
   * reach the workers one IPC hop after clients are told (well under a
   * millisecond when idle), and this waits for that hop.
   */
  voiceSettled(): Promise<void>;
  /** The certificate being served (expiry, validity) for readiness and metrics; undefined without TLS. */
  tlsStatus(): TlsStatus | undefined;
  /** Re-reads provided certificate files, or renews a certificate that is due (SIGHUP). Resolves true when a new one is served. */
  reloadTls(): Promise<boolean>;
  /**
   * Stops taking frames, finishes and acknowledges what was accepted (op
   * batches, chat writes), then closes every connection (1001, or 1012 with
   * `restart`: clients reconnect at once to the next process), stops
   * listening and closes the store. Idempotent.
   */
  close(options?: { readonly restart?: boolean }): Promise<void>;
  /** This relay's part in its cluster (`RelayOptions.cluster`); undefined for a relay alone. */
  readonly cluster: ClusterHandle | undefined;
}
