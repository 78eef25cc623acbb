/** The relay's TLS settings (`RelayOptions.tls`). */

/** How the relay gets its HTTPS certificate. */
export type TlsOptions = SelfSignedTls | CaTls | FilesTls | AcmeTls;

/** `--tls self-signed`: a generated certificate; browsers warn once per profile, and refuse service workers. */
export interface SelfSignedTls {
  readonly mode: 'self-signed';
  /** Names and addresses in the certificate. Default: host name, interface addresses, localhost. */
  readonly publicHosts?: readonly string[];
}

/** `--tls ca`: the relay's own name-constrained CA signs a short-lived server certificate. */
export interface CaTls {
  readonly mode: 'ca';
  /** Names and addresses the CA may vouch for and the server certificate carries. Default as {@link SelfSignedTls}. */
  readonly publicHosts?: readonly string[];
  /** Lifetime of each server certificate. Default 7 days; renewed with a third of it left. */
  readonly leafValidityMs?: number;
}

/** `--tls-cert FILE --tls-key FILE`: a provided certificate, reloaded when the files change. */
export interface FilesTls {
  readonly mode: 'files';
  readonly certFile: string;
  readonly keyFile: string;
  /** Quiet time after a change before the files are read. Default 100 ms. */
  readonly debounceMs?: number;
}

/** `--acme DOMAIN --acme-email ADDR`: a certificate from an ACME CA through HTTP-01. */
export interface AcmeTls {
  readonly mode: 'acme';
  readonly domains: readonly string[];
  readonly email: string;
  /** Default Let's Encrypt production (staging with `staging`). */
  readonly directoryUrl?: string;
  readonly staging?: boolean;
  /** Port of the HTTP-01 answers and the redirect to HTTPS. Default 80. */
  readonly http01Port?: number;
  /** Interface of the HTTP-01 server. Default the relay's host. */
  readonly http01Host?: string;
  /** Extra CA (PEM) trusted for the ACME directory connection only (private or test CAs). */
  readonly directoryCa?: string;
  /** First retry after a failed order; doubles up to `retryMaxMs`. Defaults 60 s and 6 h. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

/** Which option is in use. */
export type TlsMode = TlsOptions['mode'];

/**
 * What `/readyz` and `/metrics` report about the certificate being served.
 * `ok`: a certificate that is valid now and is the real one (not the
 * placeholder served while the first ACME order is pending).
 */
export interface TlsStatus {
  readonly mode: TlsMode;
  readonly ok: boolean;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly fingerprint256: string;
  readonly spkiSha256: string;
  readonly issuer: string;
  /** SHA-256 fingerprint of the relay's CA (`ca` mode only). */
  readonly caFingerprint256?: string;
  /** The last failed renewal or reload, cleared by the next success. */
  readonly lastError?: string;
  /** Port of the HTTP-01 server (`acme` mode only). */
  readonly http01Port?: number;
}
