/**
 * The one table of relay settings. Every row drives the command-line flag
 * (`--key`), the environment variable, the config file key (the same
 * kebab-case name as the flag) and the README table, so the four cannot drift
 * apart. Precedence: flags > environment > file > defaults (resolve.ts).
 */
import { autoOrIntKind, boolKind, enumKind, intKind, positiveNumberKind, stringKind } from './option-kinds.ts';
import type { OptionKind } from './option-kinds.ts';

/** Most voice worker processes; equals relay/options.ts MAX_VOICE_WORKERS (checked by a test). */
const MAX_WORKERS = 64;

/** One setting. */
export interface OptionSpec<T> {
  /** Environment variable. */
  readonly env: string;
  readonly kind: OptionKind<T>;
  /** Value when nothing sets it; absent: unset (the relay's own default applies). */
  readonly default?: T;
  /** Redacted by `--print-config`; never logged. */
  readonly secret?: boolean;
  /** One line for `--help` and the README. */
  readonly help: string;
}

/** Keeps each row's exact type (whether it has a default, its value type) for {@link RelayConfig}. */
function opt<T, const S extends OptionSpec<T>>(spec: S & OptionSpec<T>): S & { readonly kind: OptionKind<T> } {
  return spec;
}

/** Every setting of relay/main.ts, by file key (the flag is `--` + key). */
export const OPTIONS = {
  port: opt({ env: 'PORT', kind: intKind(0, 65_535), default: 8080, help: 'TCP port for HTTP and the WebSocket (0 picks a free one).' }),
  host: opt({ env: 'PARLEY_HOST', kind: stringKind('an interface address or host name'), default: '0.0.0.0', help: 'Interface to bind.' }),
  data: opt({ env: 'PARLEY_DATA', kind: stringKind('a folder path'), default: './data', help: 'Data folder (LevelDB store, identity).' }),
  password: opt({ env: 'PARLEY_PASSWORD', kind: stringKind(), secret: true, help: 'Server password; prefer the environment or the file over the flag (ps shows arguments).' }),
  static: opt({ env: 'PARLEY_STATIC', kind: stringKind('a folder path'), help: 'Folder of the built client (unset: dist/client of this checkout).' }),
  name: opt({ env: 'PARLEY_SERVER_NAME', kind: stringKind(), default: 'Parley', help: 'Server name shown to clients.' }),
  'udp-port': opt({ env: 'PARLEY_UDP_PORT', kind: intKind(1, 65_535), help: 'One UDP port for all voice (ICE UDP mux; unset: one ephemeral port per user); worker i listens on this + i.' }),
  guests: opt({ env: 'PARLEY_GUESTS', kind: enumKind(['auto', 'allow', 'deny'] as const), default: 'auto', help: 'Whether keys without a role get in (auto: only while there is no admin).' }),
  'trust-proxy': opt({ env: 'PARLEY_TRUST_PROXY', kind: boolKind, default: false, help: 'Believe the last X-Forwarded-For entry (behind a reverse proxy).' }),
  'max-connections-per-address': opt({
    env: 'PARLEY_MAX_CONNECTIONS_PER_ADDRESS',
    kind: intKind(1),
    default: 256,
    help: 'Concurrent connections one address may hold (beyond: 503); behind --trust-proxy, WebSocket connections per forwarded address.',
  }),
  'max-sessions': opt({ env: 'PARLEY_MAX_SESSIONS', kind: intKind(1), default: 10_000, help: 'Signed-in sessions the relay holds at most; past it sign-ins are refused "relay full" (admins still get in).' }),
  'lockout-attempts': opt({ env: 'PARLEY_LOCKOUT_ATTEMPTS', kind: intKind(0), default: 10, help: 'Failed sign-ins from one address before it is locked out (0 = off).' }),
  'lockout-window': opt({ env: 'PARLEY_LOCKOUT_WINDOW', kind: intKind(0), default: 120, help: 'Seconds in which those failures count.' }),
  'lockout-duration': opt({ env: 'PARLEY_LOCKOUT_DURATION', kind: intKind(0), default: 300, help: 'Seconds a locked-out address is refused.' }),
  'chat-max-messages': opt({ env: 'PARLEY_CHAT_MAX_MESSAGES', kind: intKind(1), default: 10_000, help: 'Chat messages kept per room or conversation.' }),
  'chat-max-days': opt({ env: 'PARLEY_CHAT_MAX_DAYS', kind: positiveNumberKind, default: 90, help: 'Days chat messages are kept.' }),
  files: opt({ env: 'PARLEY_FILES', kind: enumKind(['on', 'off'] as const), default: 'on', help: 'File sharing in rooms and direct messages (peer-assisted: browsers carry the bytes).' }),
  'max-file-mb': opt({ env: 'PARLEY_MAX_FILE_MB', kind: intKind(1, 262_144), default: 4096, help: 'Largest file that may be shared, in MiB.' }),
  'file-relay-fallback': opt({ env: 'PARLEY_FILE_RELAY_FALLBACK', kind: enumKind(['on', 'off'] as const), default: 'on', help: 'Whether the relay may carry file chunks when two browsers cannot connect directly.' }),
  'file-relay-rate-kb': opt({ env: 'PARLEY_FILE_RELAY_RATE_KB', kind: intKind(1), default: 8192, help: 'KiB per second the relay fallback may carry, all users together.' }),
  'file-relay-cache-mb': opt({ env: 'PARLEY_FILE_RELAY_CACHE_MB', kind: intKind(0), default: 64, help: 'MiB of relay-carried chunks kept for the rest of the room (0 = none).' }),
  'turn-urls': opt({ env: 'PARLEY_TURN_URLS', kind: stringKind('turn: or turns: URLs, comma-separated', /^turns?:[^\s,]+(,turns?:[^\s,]+)*$/), help: "The admin's coturn for file connections; with --turn-secret, signed-in clients get short-lived credentials for it." }),
  'turn-secret': opt({ env: 'PARLEY_TURN_SECRET', kind: stringKind(), secret: true, help: "coturn's static-auth-secret (use-auth-secret); prefer the environment or the file over the flag." }),
  'turn-ttl': opt({ env: 'PARLEY_TURN_TTL', kind: intKind(60, 604_800), default: 3600, help: 'Seconds a TURN credential is valid; clients get fresh ones every half of it.' }),
  'voice-workers': opt({ env: 'PARLEY_VOICE_WORKERS', kind: autoOrIntKind(0, MAX_WORKERS), default: 'auto', help: 'Voice forwarding processes: 0 = in the relay process; auto = cores - 1 with 3 or more cores, else 0 (with --cluster too).' }),
  'load-report': opt({ env: 'PARLEY_LOAD_REPORT', kind: intKind(0), default: 60, help: 'Seconds between "voice load" log lines while there is voice (0 = off).' }),
  'metrics-token': opt({
    env: 'PARLEY_METRICS_TOKEN',
    kind: stringKind('at least 16 printable characters without spaces', /^[\x21-\x7e]{16,}$/),
    secret: true,
    help: 'Bearer token /metrics requires; without it only loopback clients may scrape.',
  }),
  'log-format': opt({ env: 'PARLEY_LOG_FORMAT', kind: enumKind(['text', 'json'] as const), default: 'text', help: 'Log lines as text or as one JSON object per line.' }),
  tls: opt({ env: 'PARLEY_TLS', kind: enumKind(['self-signed', 'ca'] as const), help: "HTTPS on the relay's port with a generated certificate (self-signed: voice after the browser's warning; ca: the relay's own CA, installed once per device from /ca)." }),
  'tls-cert': opt({ env: 'PARLEY_TLS_CERT', kind: stringKind('a file path'), help: 'HTTPS with this certificate file (PEM, with its chain), reloaded when it changes; goes with --tls-key.' }),
  'tls-key': opt({ env: 'PARLEY_TLS_KEY', kind: stringKind('a file path'), help: 'Private key file (PEM) of --tls-cert.' }),
  'public-host': opt({ env: 'PARLEY_PUBLIC_HOSTS', kind: stringKind('host names or addresses, comma-separated'), help: 'Names and addresses the relay is reached by, for --tls ca (default: the host name and addresses).' }),
  acme: opt({ env: 'PARLEY_ACME_DOMAINS', kind: stringKind('domain names, comma-separated'), help: "A certificate from Let's Encrypt (or any ACME CA) for these domains, HTTP-01 on --acme-http-port." }),
  'acme-email': opt({ env: 'PARLEY_ACME_EMAIL', kind: stringKind('an e-mail address', /@/), help: "Contact address for the ACME account (the CA's expiry notices)." }),
  'acme-directory': opt({ env: 'PARLEY_ACME_DIRECTORY', kind: stringKind('an https URL', /^https:\/\//), help: "ACME directory URL (default: Let's Encrypt production, or staging with --acme-staging)." }),
  'acme-staging': opt({ env: 'PARLEY_ACME_STAGING', kind: boolKind, default: false, help: "Use Let's Encrypt's staging directory (untrusted certificates, for trying a set-up)." }),
  'acme-http-port': opt({ env: 'PARLEY_ACME_HTTP_PORT', kind: intKind(0, 65_535), default: 80, help: 'Port of the HTTP-01 challenge server (otherwise it redirects to HTTPS).' }),
  cluster: opt({
    env: 'PARLEY_CLUSTER',
    kind: stringKind('nats://host:port, comma-separated', /^(nats|tls):\/\/[^\s/,]+(,(nats|tls):\/\/[^\s/,]+)*$/),
    help: 'Serve one organisation with other relays through these NATS JetStream servers (docs/CLUSTER.md); unset: this relay alone.',
  }),
  'cluster-name': opt({ env: 'PARLEY_CLUSTER_NAME', kind: stringKind('1-32 of A-Z a-z 0-9 _ -', /^[A-Za-z0-9_-]{1,32}$/), default: 'parley', help: "The organisation's cluster name: relays with the same --cluster and name serve the same rooms." }),
  'cluster-key': opt({ env: 'PARLEY_CLUSTER_KEY', kind: stringKind('a file path'), help: "The organisation's Ed25519 key (PKCS#8 PEM), the same file on every relay of the cluster (openssl genpkey -algorithm ed25519); needed for voice between relays." }),
  'cluster-relay-id': opt({ env: 'PARLEY_CLUSTER_RELAY_ID', kind: stringKind('1-32 of A-Z a-z 0-9 _ -', /^[A-Za-z0-9_-]{1,32}$/), help: "This relay's name in the cluster (logs, presence); unset: a random one per start." }),
  'cluster-public-url': opt({
    env: 'PARLEY_CLUSTER_PUBLIC_URL',
    kind: stringKind('ws:// or wss:// URL of the control socket', /^wss?:\/\/[\x21-\x7e]{1,250}$/),
    help: "The URL browsers reach this relay's control socket at (wss://host/ws), sent to clients as one of the relays to fail over to; unset: not advertised.",
  }),
  'cluster-replicas': opt({ env: 'PARLEY_CLUSTER_REPLICAS', kind: intKind(1, 5), default: 1, help: 'JetStream replicas of the shared log and buckets (3 on a three-node NATS cluster).' }),
  verbose: opt({ env: 'PARLEY_VERBOSE', kind: boolKind, default: false, help: 'Also log debug lines.' }),
} as const;

/** A file key (and flag name). */
export type OptionKey = keyof typeof OPTIONS;

type ValueOf<S> = S extends { readonly kind: OptionKind<infer T> } ? T : never;

/** The effective configuration: a value for every key that has a default or was set. */
export type RelayConfig = { readonly [K in OptionKey]: (typeof OPTIONS)[K] extends { readonly default: unknown } ? ValueOf<(typeof OPTIONS)[K]> : ValueOf<(typeof OPTIONS)[K]> | undefined };

/** Every key, in table order. */
export const OPTION_KEYS = Object.keys(OPTIONS) as OptionKey[];

/** Whether the kind of `key` is a boolean (a bare flag on the command line). */
export function isBooleanOption(key: OptionKey): boolean {
  return OPTIONS[key].kind.bare === true;
}

/** The row of `key`, seen through the common {@link OptionSpec} shape. */
export function specOf(key: OptionKey): OptionSpec<unknown> {
  return OPTIONS[key] as unknown as OptionSpec<unknown>;
}
