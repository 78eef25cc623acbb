/**
 * The relay's operations wiring (for create-relay.ts): the metrics registry,
 * the readiness check over the relay's live state, uptime and the online
 * backup token, as the operations routes (ops-routes.ts) take them. Every
 * input is a function read at each request, so the answers follow the relay.
 */
import { RelayMetrics } from './metrics.ts';
import type { MetricsSources } from './metrics.ts';
import { newAdminToken } from './backup-endpoint.ts';
import type { OpsRouteDeps } from './ops-routes.ts';
import { readiness } from './readiness.ts';
import type { CertificateProbe } from './readiness.ts';
import type { VoiceWorkerStats } from '../voice/plane.ts';
import type { Clock, ResolvedOptions } from '../options.ts';
import type { Store } from '../storage/store.ts';

/** What {@link relayOps} reads. */
export interface RelayOpsDeps {
  /** The metrics' sources, but the certificate (the probe below). */
  readonly metrics: Omit<MetricsSources, 'certificate'>;
  readonly opts: Pick<ResolvedOptions, 'certificate' | 'voiceWorkers' | 'metricsToken' | 'trustProxy'>;
  /** The TLS manager's certificate state (absent: no TLS); the embedder's probe (`opts.certificate`) wins. */
  readonly tls: { status(): { readonly ok: boolean; readonly notAfter: number } } | undefined;
  readonly store: Pick<Store, 'isOpen' | 'rawEntries'>;
  readonly closing: () => boolean;
  readonly workers: () => readonly VoiceWorkerStats[];
  readonly clock: Clock;
}

/** The operations routes' dependencies, with the metrics (the relay closes them) and a fresh admin token for backups. */
export function relayOps(deps: RelayOpsDeps): OpsRouteDeps & { readonly metrics: RelayMetrics; readonly backup: NonNullable<OpsRouteDeps['backup']> } {
  const { opts, tls, store, clock } = deps;
  // The certificate's validity for /readyz and /metrics: the TLS manager's, unless the embedder gives a probe.
  const certificate: CertificateProbe | undefined =
    opts.certificate ??
    (tls
      ? () => {
          const status = tls.status();
          return { ok: status.ok, expiresAt: status.notAfter };
        }
      : undefined);
  const startedAt = clock.now();
  return {
    readiness: () =>
      readiness({ storeOpen: store.isOpen, closing: deps.closing(), expectedWorkers: opts.voiceWorkers, workers: deps.workers(), certificate: certificate?.(), now: clock.now() }),
    metrics: new RelayMetrics({ ...deps.metrics, certificate }),
    metricsToken: opts.metricsToken,
    trustProxy: opts.trustProxy,
    uptimeSeconds: () => (clock.now() - startedAt) / 1000,
    backup: { token: newAdminToken(), entries: () => store.rawEntries() },
  };
}
