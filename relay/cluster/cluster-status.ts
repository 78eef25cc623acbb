/** What a relay shows of its part in the cluster (`Relay.cluster.role`, `/metrics`). */

/** This relay's part now. */
export type ClusterRole = 'writer' | 'follower' | 'unavailable';

/** What `/metrics` shows of the cluster (read at scrape time). */
export interface ClusterStatus {
  readonly relayId: string;
  readonly role: ClusterRole;
  /** Whether the NATS connection is up. */
  readonly connected: boolean;
  /** Live relays of the cluster, this one included. */
  readonly peers: number;
  /** The last log entry this relay holds. */
  readonly logSeq: number;
  /** The stream's last entry, or null when NATS did not answer. */
  readonly streamSeq: number | null;
  /** The relay id holding the writer lease, or null (none, or NATS did not answer). */
  readonly writer: string | null;
  /** Room leases this relay holds (placement/). */
  readonly roomLeases: number;
}
