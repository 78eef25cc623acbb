/**
 * Checks a certificate chain and key before the server uses them, and reads
 * what the relay reports about them (validity, names, fingerprints).
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { PemPair } from './certs.ts';
import { TlsError } from './errors.ts';

/** What the relay knows of the certificate it serves. */
export interface CertInfo {
  readonly notBefore: number;
  readonly notAfter: number;
  /** SHA-256 fingerprint of the leaf, `AA:BB:...`. */
  readonly fingerprint256: string;
  /** base64 SHA-256 of the leaf's SubjectPublicKeyInfo (what Chromium's SPKI lists take). */
  readonly spkiSha256: string;
  readonly subjectAltName: string;
  readonly issuer: string;
}

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo. */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Throws `TlsError('bad-pair')` unless `pair` is PEM that OpenSSL accepts as
 * a server credential with a key matching the leaf.
 */
export function checkPair(pair: PemPair): CertInfo {
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(pair.cert);
    createSecureContext({ cert: pair.cert, key: pair.key });
    if (!leaf.checkPrivateKey(createPrivateKey(pair.key))) throw new Error('key does not match the certificate');
  } catch (error) {
    throw new TlsError('bad-pair', `certificate and key are not a usable pair [reason:${error instanceof Error ? error.message : String(error)}]`, { cause: error });
  }
  return {
    notBefore: Date.parse(leaf.validFrom),
    notAfter: Date.parse(leaf.validTo),
    fingerprint256: leaf.fingerprint256,
    spkiSha256: spkiHash(pair.cert),
    subjectAltName: leaf.subjectAltName ?? '',
    issuer: leaf.issuer,
  };
}

/** True when at most `fraction` of the certificate's lifetime is left at `now`. */
export function dueForRenewal(info: Pick<CertInfo, 'notBefore' | 'notAfter'>, now: number, fraction = 1 / 3): boolean {
  return info.notAfter - now <= (info.notAfter - info.notBefore) * fraction;
}
