/** The relay's HTTPS: certificates (self-signed, own CA, provided files, ACME) and their upkeep. */
export { createTlsManager } from './manager.ts';
export type { TlsDeps, TlsManager } from './manager.ts';
export type { TlsMode, TlsOptions, TlsStatus } from './options.ts';
export { TlsError } from './errors.ts';
export type { TlsErrorCode } from './errors.ts';
export { CA_CERT_PATH, CA_PAGE_PATH } from './ca-page.ts';
export { spkiHash } from './pair.ts';
