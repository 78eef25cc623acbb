/**
 * `createTlsManager`: holds the certificate the relay serves, swaps it when a
 * new one is made, read or ordered (only after it checks out; a bad one is
 * logged and the old one stays), schedules renewals from the injected clock,
 * and serves what belongs next to the certificate (`/ca`, `/ca.crt`, the
 * HTTP-01 port).
 */
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Clock, Logger } from '../options.ts';
import { serveCaPage } from './ca-page.ts';
import type { PemPair } from './certs.ts';
import { splitNames } from './certs.ts';
import { TlsError } from './errors.ts';
import { defaultPublicHosts } from './host-names.ts';
import { ChallengeAnswers, http01Handler, startHttp01Server } from './http01.ts';
import { checkPair, dueForRenewal } from './pair.ts';
import type { CertInfo } from './pair.ts';
import type { TlsMode, TlsOptions, TlsStatus } from './options.ts';
import { acmeSource, caSource, filesSource, selfSignedSource } from './sources.ts';
import type { CertSource } from './sources.ts';
import { tlsDir } from './stored-pair.ts';
import { watchPairFiles } from './watch-pair.ts';

/** Longest single wait before re-checking a certificate (timers cap near 24.8 days; the clock may jump). */
const MAX_CHECK_DELAY_MS = 6 * 3_600_000;

/** What the manager needs from the relay. */
export interface TlsDeps {
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  readonly dataDir: string;
  /** Interface the relay binds; the HTTP-01 server binds the same one by default. */
  readonly host: string;
}

/** The relay's certificate holder. */
export interface TlsManager {
  readonly mode: TlsMode;
  /** The certificate and key to serve now. */
  credentials(): PemPair;
  /** For `/readyz` and `/metrics`: what is served and whether it is valid now. */
  status(): TlsStatus;
  /** Called after each swap with the new pair (the relay calls `server.setSecureContext`). */
  onChange(listener: (pair: PemPair) => void): () => void;
  /** Serves `/ca` and `/ca.crt` in `ca` mode; false when the request is not one of those. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean;
  /** The HTTPS server listens on `httpsPort`: starts the HTTP-01 server and the first order (acme). */
  serverStarted(httpsPort: number): Promise<void>;
  /**
   * Re-reads the files (`files`), or renews when due (`ca`, `self-signed`, `acme`);
   * `force` renews regardless. Resolves true when a new certificate is served.
   */
  reload(force?: boolean): Promise<boolean>;
  close(): Promise<void>;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Makes or loads the first certificate. Rejects with `TlsError` when `files` are unusable or options are wrong. */
export async function createTlsManager(options: TlsOptions, deps: TlsDeps): Promise<TlsManager> {
  const { clock, logger } = deps;
  const dir = tlsDir(deps.dataDir);
  const answers = new ChallengeAnswers();
  const hosts = 'publicHosts' in options && options.publicHosts && options.publicHosts.length > 0 ? options.publicHosts : defaultPublicHosts();
  let source: CertSource;
  let ca: ReturnType<typeof caSource> | undefined;
  switch (options.mode) {
    case 'self-signed':
      source = selfSignedSource(dir, hosts);
      break;
    case 'ca':
      source = ca = caSource(options, dir, hosts);
      break;
    case 'files':
      if (!options.certFile || !options.keyFile) throw new TlsError('invalid-options', 'both a certificate file and a key file are needed');
      source = filesSource(options);
      break;
    case 'acme':
      if (options.domains.length === 0 || !options.email) throw new TlsError('invalid-options', 'ACME needs at least one domain and an email address');
      source = acmeSource(options, dir, answers);
      break;
    default:
      throw new TlsError('invalid-options', `unknown TLS mode [mode:${String((options as { mode: unknown }).mode)}]`);
  }

  const first = await source.initial(clock.now()).catch((error: unknown) => {
    throw error instanceof TlsError ? error : new TlsError('bad-pair', `cannot read the certificate [reason:${message(error)}]`, { cause: error });
  });
  let pair = first.pair;
  let info: CertInfo = checkPair(pair);
  let placeholder = first.placeholder;
  let lastError: string | undefined;
  let http01: { server: Server; port: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;
  let pending: Promise<boolean> | undefined;
  const listeners = new Set<(pair: PemPair) => void>();
  // The CA key is not needed to show its fingerprint.
  const caFingerprint = ca ? new X509Certificate(ca.caCert!()).fingerprint256 : undefined;

  const logServed = (what: string): void =>
    logger?.info(`${what} [mode:${options.mode}, notAfter:${iso(info.notAfter)}, fingerprint:${info.fingerprint256}, issuer:${info.issuer.replace(/\n/g, ', ')}]`);
  logServed(placeholder ? 'tls stand-in certificate until the ACME order succeeds' : 'tls certificate');

  if (ca) {
    const caNames = new Set(await ca.caNames());
    const names = splitNames(hosts);
    const missing = [...names.dns, ...names.ips].filter((n) => !caNames.has(n));
    if (missing.length > 0) {
      logger?.warn(`tls: the relay CA was made for other names, browsers will refuse these until it is remade (delete ${dir}/ca.* and install the new CA) [names:${missing.join(' ')}]`);
    }
  }

  function swap(next: PemPair, nextInfo: CertInfo): void {
    pair = next;
    info = nextInfo;
    placeholder = false;
    lastError = undefined;
    failures = 0;
    for (const l of listeners) l(pair);
    logServed('tls certificate replaced');
  }

  function schedule(): void {
    clearTimeout(timer);
    if (closed || options.mode === 'files') return;
    const now = clock.now();
    let delay: number;
    if (failures > 0 && options.mode === 'acme') {
      const min = options.retryMinMs ?? 60_000;
      delay = Math.min(min * 2 ** (failures - 1), options.retryMaxMs ?? MAX_CHECK_DELAY_MS);
    } else {
      const renewAt = info.notAfter - (info.notAfter - info.notBefore) / 3;
      delay = renewAt - now;
    }
    timer = setTimeout(() => void reload(false), Math.max(1_000, Math.min(delay, MAX_CHECK_DELAY_MS)));
    timer.unref();
  }

  async function attempt(force: boolean): Promise<boolean> {
    const now = clock.now();
    if (options.mode !== 'files' && !force && !placeholder && !dueForRenewal(info, now)) return false;
    let next: PemPair;
    let nextInfo: CertInfo;
    try {
      next = await source.renew(now);
      nextInfo = checkPair(next);
    } catch (error) {
      failures++;
      lastError = message(error);
      logger?.error(`tls certificate not replaced, keeping the current one [mode:${options.mode}, reason:${lastError}, attempt:${failures}]`);
      return false;
    }
    if (nextInfo.fingerprint256 === info.fingerprint256) return false;
    if (closed) return false;
    swap(next, nextInfo);
    return true;
  }

  function reload(force = false): Promise<boolean> {
    // One at a time: a watch event during an ACME order waits for it.
    const run = (pending ?? Promise.resolve(false)).then(() => attempt(force)).finally(() => {
      if (pending === run) pending = undefined;
      schedule();
    });
    pending = run;
    return run;
  }

  const stopWatch =
    options.mode === 'files' ? watchPairFiles(options.certFile, options.keyFile, options.debounceMs ?? 100, () => void reload()) : () => {};

  return {
    mode: options.mode,
    credentials: () => pair,
    status: () => {
      const now = clock.now();
      return {
        mode: options.mode,
        ok: !placeholder && info.notBefore <= now && now < info.notAfter,
        notBefore: info.notBefore,
        notAfter: info.notAfter,
        fingerprint256: info.fingerprint256,
        spkiSha256: info.spkiSha256,
        issuer: info.issuer,
        ...(caFingerprint ? { caFingerprint256: caFingerprint } : {}),
        ...(lastError ? { lastError } : {}),
        ...(http01 ? { http01Port: http01.port } : {}),
      };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    handleRequest(req, res) {
      if (!ca || !caFingerprint) return false;
      const names = splitNames(hosts);
      return serveCaPage(req, res, { certPem: source.caCert!(), fingerprint: caFingerprint, names: [...names.dns, ...names.ips] });
    },
    async serverStarted(httpsPort) {
      if (options.mode === 'acme') {
        http01 = await startHttp01Server(options.http01Host ?? deps.host, options.http01Port ?? 80, http01Handler(answers, () => httpsPort));
        logger?.info(`tls ACME HTTP-01 server listening [port:${http01.port}, domains:${options.domains.join(' ')}]`);
        if (placeholder) void reload(true);
        else schedule();
        return;
      }
      schedule();
    },
    reload,
    async close() {
      closed = true;
      clearTimeout(timer);
      stopWatch();
      await pending?.catch(() => {});
      if (http01) {
        const server = http01.server;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
    },
  };
}
