/** Errors of the relay's TLS layer, with machine-readable codes. */

/** Why a TLS operation failed. */
export type TlsErrorCode =
  /** Options that cannot work (missing file name, empty domain list...). */
  | 'invalid-options'
  /** A certificate and key that cannot be used: unreadable, not PEM, or not a matching pair. */
  | 'bad-pair'
  /** The ACME CA refused or could not be reached. */
  | 'acme-failed';

/** Error with a {@link TlsErrorCode}. */
export class TlsError extends Error {
  readonly code: TlsErrorCode;
  constructor(code: TlsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsError';
    this.code = code;
  }
}
