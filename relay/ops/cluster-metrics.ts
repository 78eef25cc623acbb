/**
 * `/metrics` gauges of a relay in a cluster (docs/CLUSTER.md, "Metrics"):
 * live relays, who holds the writer lease, the room leases this relay holds, this relay's role, how far its
 * store is behind the shared log, and whether NATS is connected. All read one
 * `ClusterStatus` per scrape (the NATS questions are asked once, not once per
 * gauge); what NATS did not answer in time is NaN (log lag) or left out
 * (lease holder) rather than a stale figure.
 */
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ClusterStatus } from '../cluster/index.ts';

const ROLES = ['writer', 'follower', 'unavailable'] as const;

/** Registers the cluster gauges on `registry`; `status` is called at most once per scrape. */
export function registerClusterMetrics(registry: Registry, status: () => Promise<ClusterStatus>): void {
  // prom-client calls every collect() of one scrape in the same turn: they share one status, forgotten once it is read.
  let pending: Promise<ClusterStatus> | null = null;
  const read = (): Promise<ClusterStatus> => {
    if (!pending) {
      const p = status();
      pending = p;
      void p.finally(() => {
        if (pending === p) pending = null;
      });
    }
    return pending;
  };
  const r = [registry];
  new Gauge({ name: 'parley_cluster_nats_connected', help: '1 while the relay is connected to NATS.', registers: r, async collect() { this.set((await read()).connected ? 1 : 0); } });
  new Gauge({ name: 'parley_cluster_peers', help: 'Live relays of the cluster, this one included.', registers: r, async collect() { this.set((await read()).peers); } });
  new Gauge({
    name: 'parley_cluster_role',
    help: "1 for this relay's part now (writer, follower, unavailable), 0 for the others.",
    labelNames: ['role'],
    registers: r,
    async collect() {
      const s = await read();
      for (const role of ROLES) this.set({ role }, s.role === role ? 1 : 0);
    },
  });
  new Gauge({
    name: 'parley_cluster_lease_holder',
    help: 'The writer lease: 1 labelled with the relay id holding it (absent while nobody holds it or NATS does not answer).',
    labelNames: ['lease', 'relay'],
    registers: r,
    async collect() {
      this.reset();
      const s = await read();
      if (s.writer !== null) this.set({ lease: 'writer', relay: s.writer }, 1);
    },
  });
  new Gauge({ name: 'parley_cluster_room_leases', help: 'Room leases this relay holds (rooms placed on it).', registers: r, async collect() { this.set((await read()).roomLeases); } });
  new Gauge({ name: 'parley_cluster_log_seq', help: 'The last shared-log entry this relay holds.', registers: r, async collect() { this.set((await read()).logSeq); } });
  new Gauge({
    name: 'parley_cluster_log_lag',
    help: "Shared-log entries this relay is behind the stream's head (NaN while NATS does not answer).",
    registers: r,
    async collect() {
      const s = await read();
      this.set(s.streamSeq === null ? Number.NaN : Math.max(0, s.streamSeq - s.logSeq));
    },
  });
}
