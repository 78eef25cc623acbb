/**
 * Command-line entry point: the only place that reads argv and the
 * environment. Starts a relay, prints the URL to open, and closes cleanly on
 * SIGINT/SIGTERM.
 *
 *   npx tsx relay/main.ts [--port N] [--host H] [--data DIR] [--password PW] [--static DIR] [--name NAME]
 *                         [--guests auto|allow|deny] [--trust-proxy] [--lockout-attempts N]
 *                         [--lockout-window S] [--lockout-duration S] [--udp-port N]
 *                         [--chat-max-messages N] [--chat-max-days D] [--voice-workers N|auto]
 *                         [--load-report SECONDS] [--verbose]
 *                         [--tls self-signed|ca] [--tls-cert FILE --tls-key FILE] [--public-host NAME]...
 *                         [--acme DOMAIN --acme-email ADDR [--acme-directory URL] [--acme-staging] [--acme-http-port N]]
 *   npx tsx relay/main.ts [--data DIR] admin|ban ...   (see access/cli.ts; relay stopped)
 *
 * Each flag has an environment fallback: PORT, PARLEY_HOST, PARLEY_DATA,
 * PARLEY_PASSWORD, PARLEY_STATIC, PARLEY_SERVER_NAME, PARLEY_GUESTS,
 * PARLEY_TRUST_PROXY=1, PARLEY_UDP_PORT, PARLEY_CHAT_MAX_MESSAGES,
 * PARLEY_CHAT_MAX_DAYS, PARLEY_VOICE_WORKERS, PARLEY_LOAD_REPORT. Prefer PARLEY_PASSWORD over --password: arguments are
 * visible to every local user in `ps`.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodeDataChannel from 'node-datachannel';
import { inviteFragment } from '../proto/index.ts';
import { CLI_USAGE, isCliCommand, runAdminCli } from './access/index.ts';
import { createRelay, MAX_VOICE_WORKERS } from './index.ts';
import type { Logger } from './index.ts';
import { isLoopbackHost, PLAIN_HTTP_WARNING, TLS_FLAGS, TLS_USAGE, tlsFromFlags } from './tls/cli.ts';
import { CA_PAGE_PATH } from './tls/ca-page.ts';

const USAGE = `usage: relay/main.ts [--port N] [--host H] [--data DIR] [--password PW] [--static DIR] [--name NAME]
                     [--guests auto|allow|deny] [--trust-proxy] [--lockout-attempts N]
                     [--lockout-window SECONDS] [--lockout-duration SECONDS] [--udp-port N]
                     [--chat-max-messages N] [--chat-max-days D] [--voice-workers N|auto]
                     [--load-report SECONDS] [--verbose]
  --voice-workers  voice forwarding processes: 0 = in the relay process; auto (default) = cores - 1
                   with 3 or more cores, else 0. With --udp-port P, worker i listens on P + i.
  --load-report    log a "voice load" line this often while there is voice (default 60, 0 = off).
${TLS_USAGE}
${CLI_USAGE}`;

/** Parses a non-negative integer flag; null (after printing why) when invalid. */
function count(name: string, text: string | undefined, fallback: number): number | null {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`invalid ${name} [value:${text}]\n${USAGE}`);
    return null;
  }
  return n;
}

function consoleLogger(verbose: boolean): Logger {
  const stamp = (): string => new Date().toISOString();
  return {
    debug: (line) => {
      if (verbose) console.log(`${stamp()} debug ${line}`);
    },
    info: (line) => console.log(`${stamp()} info  ${line}`),
    warn: (line) => console.warn(`${stamp()} warn  ${line}`),
    error: (line) => console.error(`${stamp()} error ${line}`),
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      password: { type: 'string' },
      static: { type: 'string' },
      name: { type: 'string' },
      'udp-port': { type: 'string' },
      guests: { type: 'string' },
      'trust-proxy': { type: 'boolean', default: false },
      'lockout-attempts': { type: 'string' },
      'lockout-window': { type: 'string' },
      'lockout-duration': { type: 'string' },
      'chat-max-messages': { type: 'string' },
      'chat-max-days': { type: 'string' },
      'voice-workers': { type: 'string' },
      'load-report': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      ...TLS_FLAGS,
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // An empty variable counts as unset (`PORT= npm start`).
  const env = (name: string): string | undefined => process.env[name] || undefined;
  const dataDir = values.data ?? env('PARLEY_DATA') ?? './data';
  if (isCliCommand(positionals)) {
    process.exitCode = await runAdminCli(positionals, dataDir, { out: (l) => console.log(l), err: (l) => console.error(l), now: () => Date.now() });
    return;
  }
  if (positionals.length > 0) {
    console.error(`unknown command [command:${positionals.join(' ')}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const guests = values.guests ?? env('PARLEY_GUESTS') ?? 'auto';
  if (guests !== 'auto' && guests !== 'allow' && guests !== 'deny') {
    console.error(`invalid --guests [value:${guests}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const maxFailures = count('--lockout-attempts', values['lockout-attempts'], 10);
  const windowS = count('--lockout-window', values['lockout-window'], 120);
  const lockS = count('--lockout-duration', values['lockout-duration'], 300);
  const loadReportS = count('--load-report', values['load-report'] ?? env('PARLEY_LOAD_REPORT'), 60);
  if (maxFailures === null || windowS === null || lockS === null || loadReportS === null) {
    process.exitCode = 2;
    return;
  }
  const portText = values.port ?? env('PORT') ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`invalid port [port:${portText}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const udpText = values['udp-port'] ?? env('PARLEY_UDP_PORT');
  const udpPort = udpText === undefined ? undefined : Number(udpText);
  if (udpPort !== undefined && (!Number.isInteger(udpPort) || udpPort < 1 || udpPort > 65_535)) {
    console.error(`invalid UDP port [udp-port:${udpText}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const workersText = values['voice-workers'] ?? env('PARLEY_VOICE_WORKERS') ?? 'auto';
  // auto: leave one core to the main process (control plane) and give each other core a voice
  // worker; below 3 cores voice stays in the main process (docs/decisions.md D79 has the numbers).
  const cores = availableParallelism();
  const voiceWorkers = workersText === 'auto' ? (cores >= 3 ? cores - 1 : 0) : Number(workersText);
  if (!Number.isInteger(voiceWorkers) || voiceWorkers < 0 || voiceWorkers > MAX_VOICE_WORKERS) {
    console.error(`invalid --voice-workers [value:${workersText}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const password = values.password ?? env('PARLEY_PASSWORD');
  const maxMessagesText = values['chat-max-messages'] ?? env('PARLEY_CHAT_MAX_MESSAGES');
  const maxDaysText = values['chat-max-days'] ?? env('PARLEY_CHAT_MAX_DAYS');
  const maxMessages = maxMessagesText === undefined ? undefined : Number(maxMessagesText);
  const maxDays = maxDaysText === undefined ? undefined : Number(maxDaysText);
  if ((maxMessages !== undefined && !(Number.isInteger(maxMessages) && maxMessages >= 1)) || (maxDays !== undefined && !(maxDays > 0))) {
    console.error(`invalid chat bound [messages:${maxMessagesText ?? '-'}, days:${maxDaysText ?? '-'}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const tlsChoice = tlsFromFlags(values, env);
  if ('error' in tlsChoice) {
    console.error(`${tlsChoice.error}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const relay = await createRelay({
    ...(tlsChoice.tls ? { tls: tlsChoice.tls } : {}),
    port,
    host: values.host ?? env('PARLEY_HOST') ?? '0.0.0.0',
    dataDir,
    ...(password ? { password } : {}),
    staticDir: values.static ?? env('PARLEY_STATIC') ?? fileURLToPath(new URL('../dist/client/', import.meta.url)),
    serverName: values.name ?? env('PARLEY_SERVER_NAME') ?? 'Parley',
    logger: consoleLogger(values.verbose),
    ...(udpPort !== undefined ? { rtc: { udpMuxPort: udpPort } } : {}),
    voiceWorkers,
    loadReportIntervalMs: loadReportS * 1000,
    guests,
    trustProxy: values['trust-proxy'] || env('PARLEY_TRUST_PROXY') === '1',
    lockout: { maxFailures, windowMs: windowS * 1000, lockMs: lockS * 1000 },
    chat: {
      ...(maxMessages !== undefined ? { maxMessages } : {}),
      ...(maxDays !== undefined ? { maxAgeMs: maxDays * 24 * 60 * 60 * 1000 } : {}),
    },
  });
  const host = values.host ?? env('PARLEY_HOST');
  const scheme = tlsChoice.tls ? 'https' : 'http';
  const shown = host && host !== '0.0.0.0' && host !== '::' ? relay.url : `${scheme}://localhost:${relay.port}/`;
  console.log(`Parley relay listening: ${shown}${password ? ' (password required)' : ''}`);
  const bound = host ?? '0.0.0.0';
  if (!tlsChoice.tls && !isLoopbackHost(bound)) console.log(PLAIN_HTTP_WARNING);
  if (tlsChoice.tls?.mode === 'ca') {
    console.log(`Each device trusts this relay once: open ${new URL(CA_PAGE_PATH, shown).href} (CA fingerprint ${relay.tlsStatus()?.caFingerprint256 ?? '?'})`);
  }
  if (tlsChoice.tls?.mode === 'self-signed') console.log('Self-signed certificate: browsers warn once per profile; the offline shell and installing need --tls ca or a real certificate.');
  if (relay.bootstrapInvite) {
    // Printed, never logged: the link is a capability. It stops working once anyone holds admin.
    console.log(`No admin yet. Open this one-use link to become admin (valid 7 days; a restart prints a new one):\n  ${shown}${inviteFragment(relay.bootstrapInvite)}`);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      // Second signal: the operator wants out now.
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal} received, closing`);
    relay
      .close()
      .then(() => {
        nodeDataChannel.cleanup();
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error('close failed', error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
