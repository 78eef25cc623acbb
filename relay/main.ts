/**
 * Command-line entry point: the only place that reads argv and the
 * environment. Starts a relay, prints the URL to open, and closes cleanly on
 * SIGINT/SIGTERM.
 *
 *   npx tsx relay/main.ts [--port N] [--host H] [--data DIR] [--password PW] [--static DIR] [--name NAME]
 *                         [--admin HEXKEY]... [--chat-max-messages N] [--chat-max-days D] [--verbose]
 *
 * Each flag has an environment fallback: PORT, PARLEY_HOST, PARLEY_DATA,
 * PARLEY_PASSWORD, PARLEY_STATIC, PARLEY_SERVER_NAME, PARLEY_ADMINS
 * (comma-separated), PARLEY_CHAT_MAX_MESSAGES, PARLEY_CHAT_MAX_DAYS. Prefer PARLEY_PASSWORD
 * over --password: arguments are visible to every local user in `ps`.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodeDataChannel from 'node-datachannel';
import { createRelay } from './index.ts';
import type { Logger } from './index.ts';

const USAGE = `usage: relay/main.ts [--port N] [--host H] [--data DIR] [--password PW] [--static DIR] [--name NAME] [--admin HEXKEY]... [--chat-max-messages N] [--chat-max-days D] [--verbose]`;

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
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      password: { type: 'string' },
      static: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'string', multiple: true },
      'chat-max-messages': { type: 'string' },
      'chat-max-days': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // An empty variable counts as unset (`PORT= npm start`).
  const env = (name: string): string | undefined => process.env[name] || undefined;
  const portText = values.port ?? env('PORT') ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`invalid port [port:${portText}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const password = values.password ?? env('PARLEY_PASSWORD');
  const admins = values.admin ?? (env('PARLEY_ADMINS')?.split(',').map((k) => k.trim()).filter(Boolean) ?? []);
  const maxMessagesText = values['chat-max-messages'] ?? env('PARLEY_CHAT_MAX_MESSAGES');
  const maxDaysText = values['chat-max-days'] ?? env('PARLEY_CHAT_MAX_DAYS');
  const maxMessages = maxMessagesText === undefined ? undefined : Number(maxMessagesText);
  const maxDays = maxDaysText === undefined ? undefined : Number(maxDaysText);
  if ((maxMessages !== undefined && !(Number.isInteger(maxMessages) && maxMessages >= 1)) || (maxDays !== undefined && !(maxDays > 0))) {
    console.error(`invalid chat bound [messages:${maxMessagesText ?? '-'}, days:${maxDaysText ?? '-'}]\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const relay = await createRelay({
    port,
    host: values.host ?? env('PARLEY_HOST') ?? '0.0.0.0',
    dataDir: values.data ?? env('PARLEY_DATA') ?? './data',
    ...(password ? { password } : {}),
    staticDir: values.static ?? env('PARLEY_STATIC') ?? fileURLToPath(new URL('../dist/client/', import.meta.url)),
    serverName: values.name ?? env('PARLEY_SERVER_NAME') ?? 'Parley',
    logger: consoleLogger(values.verbose),
    admins,
    chat: {
      ...(maxMessages !== undefined ? { maxMessages } : {}),
      ...(maxDays !== undefined ? { maxAgeMs: maxDays * 24 * 60 * 60 * 1000 } : {}),
    },
  });
  const host = values.host ?? env('PARLEY_HOST');
  const shown = host && host !== '0.0.0.0' && host !== '::' ? relay.url : `http://localhost:${relay.port}/`;
  console.log(`Parley relay listening: ${shown}${password ? ' (password required)' : ''}`);

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
