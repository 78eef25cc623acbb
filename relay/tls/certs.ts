/**
 * Certificate making for the relay's own TLS: a self-signed ECDSA P-256
 * server certificate, a small name-constrained CA, and server certificates
 * signed by that CA. ECDSA P-256 because Chromium refuses Ed25519 server
 * certificates (docs/decisions.md); the relay's Ed25519 identity key is not
 * reused here.
 */
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate chain (leaf first) and its private key, both PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** The names and addresses a certificate is for. */
export interface CertNames {
  readonly dns: readonly string[];
  readonly ips: readonly string[];
}

/** Splits host names from IP addresses (IPv6 without brackets). */
export function splitNames(hosts: readonly string[]): CertNames {
  const dns: string[] = [];
  const ips: string[] = [];
  for (const raw of hosts) {
    const host = raw.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === '') continue;
    (isIP(host) ? ips : dns).push(host);
  }
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}

function serial(): string {
  // Positive 16-byte serial: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

function cnOf(names: CertNames, fallback: string): string {
  return (names.dns[0] ?? names.ips[0] ?? fallback).replace(/[,=+<>#;"\\]/g, '_');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0]!;
  return (await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign'])) as unknown as CryptoKey;
}

function sanExtension(names: CertNames): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension([
    ...names.dns.map((value) => ({ type: 'dns' as const, value })),
    ...names.ips.map((value) => ({ type: 'ip' as const, value })),
  ]);
}

function leafExtensions(names: CertNames): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    sanExtension(names),
  ];
}

/**
 * The CA's name constraints: only these host names (and their subdomains)
 * and exactly these addresses. Without an address in the list every address
 * is excluded, since an absent address subtree would permit them all.
 */
function nameConstraints(names: CertNames): x509.Extension {
  const subtree = (base: GeneralName): GeneralSubtree => new GeneralSubtree({ base });
  const permitted = [
    ...names.dns.map((d) => subtree(new GeneralName({ dNSName: d }))),
    ...names.ips.map((ip) => subtree(new GeneralName({ iPAddress: `${ip}/${isIP(ip) === 6 ? 128 : 32}` }))),
  ];
  const excluded = names.ips.length === 0 ? [subtree(new GeneralName({ iPAddress: '0.0.0.0/0' })), subtree(new GeneralName({ iPAddress: '::/0' }))] : [];
  const value = new NameConstraints({
    ...(permitted.length > 0 ? { permittedSubtrees: new GeneralSubtrees(permitted) } : {}),
    ...(excluded.length > 0 ? { excludedSubtrees: new GeneralSubtrees(excluded) } : {}),
  });
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

/** A self-signed ECDSA P-256 server certificate for `names`, valid from `now` for `validityMs`. */
export async function createSelfSigned(names: CertNames, now: number, validityMs: number): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${cnOf(names, 'parley')}, O=Parley relay (self-signed)`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: ALG,
    keys,
    extensions: [...leafExtensions(names), await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A CA that may only vouch for `names` (X.509 name constraints), path length 0. */
export async function createCa(names: CertNames, label: string, now: number, validityMs: number): Promise<PemPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Parley relay CA ${label.replace(/[,=+<>#;"\\]/g, '_')}, O=Parley`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      nameConstraints(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A server certificate for `names` signed by `ca`; the chain returned is leaf then CA. */
export async function signServerCert(ca: PemPair, names: CertNames, now: number, validityMs: number): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${cnOf(names, 'parley')}`,
    issuer: caCert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      ...leafExtensions(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: `${cert.toString('pem')}\n${caCert.toString('pem')}\n`, key: await keyPem(keys.privateKey) };
}

/** A PKCS#10 request (DER) for `names` with a fresh P-256 key, for ACME. */
export async function createCsr(names: CertNames): Promise<{ readonly csrPem: string; readonly key: string }> {
  const keys = await newKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${cnOf(names, 'parley')}`,
    keys,
    signingAlgorithm: ALG,
    extensions: [sanExtension(names)],
  });
  return { csrPem: csr.toString('pem'), key: await keyPem(keys.privateKey) };
}
