/**
 * Where each TLS mode gets its certificate from. A source loads what is
 * there at start (making it when missing), and makes or reads a new one when
 * the manager asks; the manager checks, swaps, schedules and logs.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createAccountKey, LETSENCRYPT_PRODUCTION, LETSENCRYPT_STAGING, orderCertificate } from './acme.ts';
import { createCa, createSelfSigned, signServerCert, splitNames } from './certs.ts';
import type { CertNames, PemPair } from './certs.ts';
import type { ChallengeAnswers } from './http01.ts';
import { checkPair } from './pair.ts';
import type { AcmeTls, CaTls, FilesTls } from './options.ts';
import { readStoredPair, writeStoredPair } from './stored-pair.ts';
import { readPair } from './watch-pair.ts';

const DAY = 86_400_000;

/** One mode's certificate supply. */
export interface CertSource {
  /** The certificate to start with; `placeholder` when it is only a stand-in until `renew` succeeds. */
  initial(now: number): Promise<{ pair: PemPair; placeholder: boolean }>;
  /** A new certificate (made, read or ordered). */
  renew(now: number): Promise<PemPair>;
  /** The CA certificate to publish at `/ca.crt` (`ca` mode). */
  readonly caCert?: () => string;
}

function sanMatches(pair: PemPair, names: CertNames): boolean {
  const want = [...names.dns.map((d) => `DNS:${d}`), ...names.ips.map((ip) => `IP Address:${ip}`)].sort().join(',');
  const have = (new X509Certificate(pair.cert).subjectAltName ?? '').split(', ').map((s) => s.toLowerCase().replace(/^dns:/, 'DNS:').replace(/^ip address:/, 'IP Address:')).sort().join(',');
  return want.toLowerCase() === have.toLowerCase();
}

/** A stored pair that still checks, is for `names` and is not expired; else null. */
async function usableStored(dir: string, name: string, names: CertNames | undefined, now: number): Promise<PemPair | null> {
  const pair = await readStoredPair(dir, name);
  if (!pair) return null;
  try {
    const info = checkPair(pair);
    if (info.notAfter <= now || (names && !sanMatches(pair, names))) return null;
    return pair;
  } catch {
    return null;
  }
}

/** `self-signed`: one year, remade when missing, expiring or for other names. */
export function selfSignedSource(dir: string, hosts: readonly string[]): CertSource {
  const names = splitNames(hosts);
  const make = async (now: number): Promise<PemPair> => {
    const pair = await createSelfSigned(names, now, 365 * DAY);
    await writeStoredPair(dir, 'self-signed', pair);
    return pair;
  };
  return {
    initial: async (now) => ({ pair: (await usableStored(dir, 'self-signed', names, now)) ?? (await make(now)), placeholder: false }),
    renew: make,
  };
}

/**
 * `ca`: the CA is made once (ten years) and kept; the server certificate is
 * re-signed when due or when the names changed. Names the CA was not made
 * for are still put in the server certificate, but browsers refuse them;
 * the manager logs how to remake the CA.
 */
export function caSource(options: CaTls, dir: string, hosts: readonly string[]): CertSource & { caNames(): Promise<readonly string[]> } {
  const names = splitNames(hosts);
  const leafValidityMs = options.leafValidityMs ?? 7 * DAY;
  let ca: PemPair | undefined;
  const loadCa = async (now: number): Promise<PemPair> => {
    ca ??= (await usableStored(dir, 'ca', undefined, now)) ?? undefined;
    if (!ca) {
      ca = await createCa(names, hostname(), now, 3650 * DAY);
      await writeStoredPair(dir, 'ca', ca);
      await writeFile(join(dir, 'ca-names.json'), JSON.stringify([...names.dns, ...names.ips]));
    }
    return ca;
  };
  const sign = async (now: number): Promise<PemPair> => {
    const pair = await signServerCert(await loadCa(now), names, now, leafValidityMs);
    await writeStoredPair(dir, 'server', pair);
    return pair;
  };
  return {
    initial: async (now) => {
      await loadCa(now);
      return { pair: (await usableStored(dir, 'server', names, now)) ?? (await sign(now)), placeholder: false };
    },
    renew: sign,
    caCert: () => ca!.cert,
    caNames: async () => JSON.parse(await readFile(join(dir, 'ca-names.json'), 'utf8').catch(() => '[]')) as string[],
  };
}

/** `files`: whatever the two files hold. */
export function filesSource(options: FilesTls): CertSource {
  return {
    initial: async () => ({ pair: await readPair(options.certFile, options.keyFile), placeholder: false }),
    renew: () => readPair(options.certFile, options.keyFile),
  };
}

/**
 * `acme`: the stored certificate when it is for these domains and not
 * expired; else a self-signed stand-in until the first order succeeds.
 */
export function acmeSource(options: AcmeTls, dir: string, answers: ChallengeAnswers): CertSource {
  const names = splitNames(options.domains);
  const directoryUrl = options.directoryUrl ?? (options.staging ? LETSENCRYPT_STAGING : LETSENCRYPT_PRODUCTION);
  const accountKey = async (): Promise<string> => {
    const path = join(dir, 'acme-account.key');
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    if (existing) return existing;
    const key = await createAccountKey();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path, key, { mode: 0o600 });
    return key;
  };
  return {
    initial: async (now) => {
      const stored = await usableStored(dir, 'acme', names, now);
      if (stored) return { pair: stored, placeholder: false };
      return { pair: await createSelfSigned(names, now, 7 * DAY), placeholder: true };
    },
    renew: async () => {
      const pair = await orderCertificate(
        { directoryUrl, email: options.email, domains: options.domains, accountKey: await accountKey(), ...(options.directoryCa ? { directoryCa: options.directoryCa } : {}) },
        answers,
      );
      checkPair(pair);
      await writeStoredPair(dir, 'acme', pair);
      return pair;
    },
  };
}
