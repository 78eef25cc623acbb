/**
 * Certificate issuance through ACME (Let's Encrypt or any RFC 8555 CA) with
 * `acme-client`, HTTP-01 only. The account key lives in the data folder; the
 * certificate key is a fresh ECDSA P-256 key per order.
 */
import { Agent } from 'node:https';
import acme from 'acme-client';
import { createCsr, splitNames } from './certs.ts';
import type { PemPair } from './certs.ts';
import { TlsError } from './errors.ts';
import type { ChallengeAnswers } from './http01.ts';

/** Let's Encrypt's directories. */
export const LETSENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETSENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

/** One order's inputs. */
export interface AcmeOrder {
  readonly directoryUrl: string;
  readonly email: string;
  readonly domains: readonly string[];
  readonly accountKey: string;
  /**
   * Extra CA (PEM) trusted for the connection to the ACME directory only, for
   * private or test CAs. acme-client has one process-wide HTTP client, so this
   * applies to every ACME request of the process.
   */
  readonly directoryCa?: string;
}

/** A new ECDSA P-256 ACME account key (PEM). */
export async function createAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

/** Orders a certificate for `order.domains`, answering HTTP-01 through `answers`. Rejects with `TlsError('acme-failed')`. */
export async function orderCertificate(order: AcmeOrder, answers: ChallengeAnswers): Promise<PemPair> {
  if (order.directoryCa !== undefined) acme.axios.defaults.httpsAgent = new Agent({ ca: order.directoryCa });
  const client = new acme.Client({ directoryUrl: order.directoryUrl, accountKey: order.accountKey, backoffAttempts: 5 });
  const { csrPem, key } = await createCsr(splitNames(order.domains));
  try {
    const cert = await client.auto({
      csr: csrPem,
      email: order.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The CA's own check is the one that counts; a self-check from the server would need
      // its public name to resolve and route back to itself (hairpin NAT often does not).
      skipChallengeVerification: true,
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
        answers.set(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        answers.delete(challenge.token);
      },
    });
    return { cert, key };
  } catch (error) {
    throw new TlsError('acme-failed', `ACME order failed [directory:${order.directoryUrl}, reason:${error instanceof Error ? error.message : String(error)}]`, { cause: error });
  }
}
