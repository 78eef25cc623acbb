/**
 * Liveness and readiness, as pure functions of what the relay reports about
 * itself. `/healthz` answers "the process serves HTTP"; `/readyz` answers
 * "send users here": the store is open, every voice worker runs, and (when
 * TLS is on) the certificate is valid. Load balancers and systemd watchdogs
 * read the status code; people read the JSON body.
 */
import type { VoiceWorkerStats } from '../voice/plane.ts';

/**
 * What a TLS manager reports about the certificate it serves (the hook for
 * relay/tls/). `expiresAt`: ms since the epoch.
 */
export interface CertificateStatus {
  readonly ok: boolean;
  readonly expiresAt: number;
}

/** Reads the certificate state; absent when the relay serves plain HTTP. */
export type CertificateProbe = () => CertificateStatus;

/** What readiness looks at. */
export interface ReadinessInput {
  readonly storeOpen: boolean;
  /** True once `close()` began: a closing relay takes no new users. */
  readonly closing: boolean;
  /** Voice worker processes asked for (0: voice in the main process, always up). */
  readonly expectedWorkers: number;
  readonly workers: readonly VoiceWorkerStats[];
  readonly certificate: CertificateStatus | undefined;
  readonly now: number;
}

/** One check's verdict; `detail` says why it failed. */
export interface Check {
  readonly ok: boolean;
  readonly detail?: string;
}

/** The `/readyz` body. */
export interface Readiness {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, Check>>;
}

/** Decides readiness; every failing check names its reason. */
export function readiness(input: ReadinessInput): Readiness {
  const checks: Record<string, Check> = {};
  checks.accepting = input.closing ? { ok: false, detail: 'relay is shutting down' } : { ok: true };
  checks.store = input.storeOpen ? { ok: true } : { ok: false, detail: 'store is not open' };
  const running = input.workers.filter((w) => w.pid > 0).length;
  checks.voice =
    running >= input.expectedWorkers
      ? { ok: true }
      : { ok: false, detail: `voice workers running ${running} of ${input.expectedWorkers}` };
  if (input.certificate) {
    const { ok, expiresAt } = input.certificate;
    checks.certificate =
      ok && expiresAt > input.now ? { ok: true } : { ok: false, detail: ok ? `certificate expired at ${new Date(expiresAt).toISOString()}` : 'certificate is not valid' };
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
