/**
 * The TLS command-line flags and their environment fallbacks, parsed into
 * {@link TlsOptions}, and the start-up lines about HTTPS.
 */
import { readFileSync } from 'node:fs';
import type { TlsOptions } from './options.ts';

/** `node:util` parseArgs options of the TLS flags (spread into the relay's own). */
export const TLS_FLAGS = {
  tls: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'public-host': { type: 'string', multiple: true },
  acme: { type: 'string', multiple: true },
  'acme-email': { type: 'string' },
  'acme-directory': { type: 'string' },
  'acme-staging': { type: 'boolean' },
  'acme-http-port': { type: 'string' },
} as const;

/** Usage lines of the TLS flags. */
export const TLS_USAGE = `  --tls self-signed|ca   HTTPS on the relay's port with a generated certificate (self-signed: voice after
                         the browser's warning; ca: the relay's own CA, installed once per device from /ca)
  --tls-cert FILE --tls-key FILE   HTTPS with a provided certificate, reloaded when the files change
  --public-host NAME     name or address the relay is reached by (repeatable; default host name and addresses)
  --acme DOMAIN --acme-email ADDR [--acme-directory URL] [--acme-staging] [--acme-http-port N]
                         a certificate from Let's Encrypt (or any ACME CA), HTTP-01 on port 80`;

/** Parsed flag values, as parseArgs gives them for {@link TLS_FLAGS}. */
export interface TlsFlagValues {
  readonly tls?: string;
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
  readonly 'public-host'?: string[];
  readonly acme?: string[];
  readonly 'acme-email'?: string;
  readonly 'acme-directory'?: string;
  readonly 'acme-staging'?: boolean;
  readonly 'acme-http-port'?: string;
}

const list = (text: string | undefined): string[] | undefined =>
  text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter((s) => s !== '');

/**
 * Flags, else the environment (PARLEY_TLS, PARLEY_TLS_CERT, PARLEY_TLS_KEY,
 * PARLEY_PUBLIC_HOSTS, PARLEY_ACME_DOMAINS, PARLEY_ACME_EMAIL,
 * PARLEY_ACME_DIRECTORY, PARLEY_ACME_STAGING=1, PARLEY_ACME_HTTP_PORT;
 * lists comma-separated). `{ error }` names the flag and value at fault.
 */
export function tlsFromFlags(values: TlsFlagValues, env: (name: string) => string | undefined): { tls: TlsOptions | undefined } | { error: string } {
  const mode = values.tls ?? env('PARLEY_TLS');
  const certFile = values['tls-cert'] ?? env('PARLEY_TLS_CERT');
  const keyFile = values['tls-key'] ?? env('PARLEY_TLS_KEY');
  const hosts = values['public-host'] ?? list(env('PARLEY_PUBLIC_HOSTS'));
  const domains = values.acme ?? list(env('PARLEY_ACME_DOMAINS'));
  const chosen = [mode !== undefined, certFile !== undefined || keyFile !== undefined, domains !== undefined].filter(Boolean).length;
  if (chosen > 1) return { error: 'choose one of --tls, --tls-cert/--tls-key and --acme' };
  const publicHosts = hosts && hosts.length > 0 ? { publicHosts: hosts } : {};
  if (mode !== undefined) {
    if (mode !== 'self-signed' && mode !== 'ca') return { error: `invalid --tls [value:${mode}, allowed:self-signed|ca]` };
    return { tls: { mode, ...publicHosts } };
  }
  if (certFile !== undefined || keyFile !== undefined) {
    if (!certFile || !keyFile) return { error: '--tls-cert and --tls-key go together' };
    return { tls: { mode: 'files', certFile, keyFile } };
  }
  if (domains !== undefined) {
    const email = values['acme-email'] ?? env('PARLEY_ACME_EMAIL');
    if (!email || !email.includes('@')) return { error: `--acme needs --acme-email [value:${email ?? '-'}]` };
    const portText = values['acme-http-port'] ?? env('PARLEY_ACME_HTTP_PORT');
    const http01Port = portText === undefined ? 80 : Number(portText);
    if (!Number.isInteger(http01Port) || http01Port < 0 || http01Port > 65_535) return { error: `invalid --acme-http-port [value:${portText}]` };
    const directoryUrl = values['acme-directory'] ?? env('PARLEY_ACME_DIRECTORY');
    const staging = values['acme-staging'] ?? env('PARLEY_ACME_STAGING') === '1';
    // A private ACME CA's own root, for the directory connection only.
    const caFile = env('PARLEY_ACME_CA_FILE');
    return {
      tls: {
        mode: 'acme', domains, email, http01Port, staging,
        ...(directoryUrl ? { directoryUrl } : {}),
        ...(caFile ? { directoryCa: readFileSync(caFile, 'utf8') } : {}),
      },
    };
  }
  return { tls: undefined };
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

/** The one-sentence warning for a relay other machines can reach over plain HTTP. */
export const PLAIN_HTTP_WARNING =
  'Plain HTTP: browsers on other machines will connect but not grant the microphone; start with --tls ca (or --tls self-signed, --tls-cert/--tls-key, --acme DOMAIN) to give them voice.';
