/** Operating the relay as a service: health, readiness, metrics. */
export { readiness } from './readiness.ts';
export type { CertificateProbe, CertificateStatus, Check, Readiness, ReadinessInput } from './readiness.ts';
export { RelayMetrics } from './metrics.ts';
export type { MetricsSources } from './metrics.ts';
export { authorizeScrape, bearerMatches, isLoopback } from './scrape-access.ts';
export type { ScrapeVerdict } from './scrape-access.ts';
export { createOpsHandler, OPS_PATHS } from './ops-routes.ts';
export type { OpsRouteDeps } from './ops-routes.ts';
export { ADMIN_ENDPOINT_FILE, BACKUP_PATH, newAdminToken, writeAdminEndpoint } from './backup-endpoint.ts';
export type { AdminEndpoint } from './backup-endpoint.ts';
export { BACKUP_MAGIC, BackupEncoder, BackupError, decodeBackup, encodeBackup } from './backup-format.ts';
export type { BackupErrorCode } from './backup-format.ts';
export { runBackup, runRestore } from './backup-cli.ts';
export type { BackupIo } from './backup-cli.ts';
