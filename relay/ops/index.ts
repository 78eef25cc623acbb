/** Operating the relay as a service: health, readiness, metrics. */
export { readiness } from './readiness.ts';
export type { CertificateProbe, CertificateStatus, Check, Readiness, ReadinessInput } from './readiness.ts';
export { RelayMetrics } from './metrics.ts';
export type { MetricsSources } from './metrics.ts';
export { authorizeScrape, bearerMatches, isLoopback } from './scrape-access.ts';
export type { ScrapeVerdict } from './scrape-access.ts';
export { createOpsHandler, OPS_PATHS } from './ops-routes.ts';
export type { OpsRouteDeps } from './ops-routes.ts';
