/**
 * Command-line entry point: the only place that reads argv, the environment
 * and the config file. Starts a relay, prints the URL to open, and closes
 * cleanly on SIGINT/SIGTERM.
 *
 *   npx tsx relay/main.ts [--config FILE] [--print-config] [--SETTING VALUE ...]
 *   npx tsx relay/main.ts [--data DIR] admin|ban ...   (see access/cli.ts; relay stopped)
 *   npx tsx relay/main.ts [--data DIR] backup FILE     (relay running: a consistent snapshot)
 *   npx tsx relay/main.ts [--data DIR] restore FILE    (into an empty data folder)
 *
 * Every setting (relay/config/schema.ts, and the README table made from it)
 * is a flag `--key`, an environment variable and a config file key; flags win
 * over the environment, which wins over the file (`--config FILE` or
 * PARLEY_CONFIG; TOML, or JSON for `.json`), which wins over the defaults.
 * Prefer PARLEY_PASSWORD or the file over --password: arguments are visible
 * to every local user in `ps`.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import nodeDataChannel from 'node-datachannel';
import { inviteFragment } from '../proto/index.ts';
import { CLI_USAGE, isCliCommand, runAdminCli } from './access/index.ts';
import { ConfigError, formatConfig, OPTION_KEYS, parseCommandLine, readConfigFile, resolveConfig, specOf, toRelayOptions } from './config/index.ts';
import type { RelayConfig } from './config/index.ts';
import { createRelay } from './index.ts';
import { createConsoleLogger } from './ops/console-logger.ts';
import { runBackup, runRestore } from './ops/index.ts';
import { CA_PAGE_PATH } from './tls/ca-page.ts';
import { isLoopbackHost, PLAIN_HTTP_WARNING, tlsFromFlags } from './tls/cli.ts';

/** A comma-separated setting as a list (undefined stays unset). */
const splitList = (text: string | undefined): string[] | undefined => (text === undefined ? undefined : text.split(',').map((s) => s.trim()).filter((s) => s !== ''));

function usage(): string {
  const lines = OPTION_KEYS.map((key) => {
    const spec = specOf(key);
    return `  --${key}${spec.kind.bare ? '' : ' V'}`.padEnd(26) + `${spec.help} [${spec.env}; ${spec.kind.allowed}]`;
  });
  return ['usage: relay/main.ts [--config FILE] [--print-config] [--help] [settings]', ...lines, '  backup FILE              copy the running relay\'s data folder (--data) to FILE', '  restore FILE             restore FILE into an empty data folder (--data)', CLI_USAGE].join('\n');
}

async function main(): Promise<void> {
  const cli = parseCommandLine(process.argv.slice(2));
  if (cli.help) {
    console.log(usage());
    return;
  }
  const configPath = cli.configPath ?? (process.env.PARLEY_CONFIG || undefined);
  const file = configPath === undefined ? undefined : { path: configPath, values: await readConfigFile(configPath) };
  const resolved = resolveConfig({ flags: cli.flags, env: process.env, ...(file ? { file } : {}) });
  const { config } = resolved;
  if (cli.printConfig) {
    process.stdout.write(formatConfig(resolved));
    return;
  }
  const [command, backupFile, ...extra] = cli.positionals;
  if ((command === 'backup' || command === 'restore') && backupFile !== undefined && extra.length === 0) {
    // backup: the running relay writes the snapshot; restore: into an empty folder, relay stopped.
    const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
    process.exitCode = command === 'backup' ? await runBackup(config.data, backupFile, io) : await runRestore(backupFile, config.data, io);
    return;
  }
  if (isCliCommand(cli.positionals)) {
    process.exitCode = await runAdminCli(cli.positionals, config.data, { out: (l) => console.log(l), err: (l) => console.error(l), now: () => Date.now() });
    return;
  }
  if (cli.positionals.length > 0) {
    console.error(`unknown command [command:${cli.positionals.join(' ')}]\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const json = config['log-format'] === 'json';
  const logger = createConsoleLogger({ format: config['log-format'], verbose: config.verbose });
  /** Start-up lines for people (the URL, the invite): plain text, or JSON records in json mode. */
  const say = (msg: string, fields: Record<string, string> = {}): void =>
    console.log(json ? JSON.stringify({ time: new Date().toISOString(), level: 'info', msg, fields }) : [msg, ...Object.values(fields)].join(''));
  const tlsChoice = tlsFromFlags(
    {
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      ...(config['tls-cert'] !== undefined ? { 'tls-cert': config['tls-cert'] } : {}),
      ...(config['tls-key'] !== undefined ? { 'tls-key': config['tls-key'] } : {}),
      ...(config['public-host'] !== undefined ? { 'public-host': splitList(config['public-host'])! } : {}),
      ...(config.acme !== undefined ? { acme: splitList(config.acme)! } : {}),
      ...(config['acme-email'] !== undefined ? { 'acme-email': config['acme-email'] } : {}),
      ...(config['acme-directory'] !== undefined ? { 'acme-directory': config['acme-directory'] } : {}),
      'acme-staging': config['acme-staging'],
      'acme-http-port': String(config['acme-http-port']),
    },
    // The schema already read the TLS variables; only a private ACME CA's root file is read here.
    (name) => (name === 'PARLEY_ACME_CA_FILE' ? process.env[name] || undefined : undefined),
  );
  if ('error' in tlsChoice) {
    console.error(tlsChoice.error);
    process.exitCode = 2;
    return;
  }
  const relay = await createRelay({
    ...toRelayOptions(config, { cores: availableParallelism(), defaultStaticDir: fileURLToPath(new URL('../dist/client/', import.meta.url)) }),
    ...(tlsChoice.tls ? { tls: tlsChoice.tls } : {}),
    logger,
  });
  // Signals are handled before anything is printed: whoever reads the banner may signal at once
  // (a supervisor, a test), and a signal before the handlers would kill the process uncleanly.
  let stopping = false;
  /** SIGTERM is how service managers restart: clients are told to come back at once (1012). */
  const stop = (signal: string): void => {
    if (stopping) {
      // Second signal: the operator wants out now.
      process.exit(1);
    }
    stopping = true;
    say(`${signal} received, closing`);
    relay
      .close({ restart: signal === 'SIGTERM' })
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
  // SIGHUP: re-read the config file and the certificates. Certificates swap live; a changed
  // setting is named and takes effect at the next restart (the relay does not rebuild itself
  // under its users); a bad file is refused and the running settings stay.
  process.on('SIGHUP', () => {
    void (async () => {
      try {
        const fresh = configPath === undefined ? undefined : { path: configPath, values: await readConfigFile(configPath) };
        const next = resolveConfig({ flags: cli.flags, env: process.env, ...(fresh ? { file: fresh } : {}) }).config;
        const changed = changedSettings(config, next);
        if (changed.length > 0) logger.warn(`config re-read: these settings change at the next restart [keys:${changed.join(' ')}]`);
        else logger.info('config re-read: no setting changed');
      } catch (error) {
        logger.error(`config re-read refused, running settings kept [reason:${error instanceof Error ? error.message : String(error)}]`);
      }
      const swapped = await relay.reloadTls().catch((error: unknown) => {
        logger.error(`certificate reload failed [reason:${error instanceof Error ? error.message : String(error)}]`);
        return false;
      });
      if (tlsChoice.tls) logger.info(swapped ? 'certificate reloaded: new connections get the new one' : 'certificate unchanged');
    })();
  });
  const host = config.host;
  const scheme = tlsChoice.tls ? 'https' : 'http';
  const shown = host !== '0.0.0.0' && host !== '::' ? relay.url : `${scheme}://localhost:${relay.port}/`;
  const password = config.password !== undefined;
  if (json) say('Parley relay listening', { url: shown, password: String(password) });
  else say(`Parley relay listening: ${shown}${password ? ' (password required)' : ''}`);
  if (!tlsChoice.tls && !isLoopbackHost(host)) say(PLAIN_HTTP_WARNING);
  if (tlsChoice.tls?.mode === 'ca') {
    say(`Each device trusts this relay once: open ${new URL(CA_PAGE_PATH, shown).href} (CA fingerprint ${relay.tlsStatus()?.caFingerprint256 ?? '?'})`);
  }
  if (tlsChoice.tls?.mode === 'self-signed') say('Self-signed certificate: browsers warn once per profile; the offline shell and installing need --tls ca or a real certificate.');
  if (relay.bootstrapInvite) {
    // Printed, never logged: the link is a capability. It stops working once anyone holds admin.
    const link = `${shown}${inviteFragment(relay.bootstrapInvite)}`;
    if (json) say('No admin yet: open this one-use link to become admin (valid 7 days; a restart prints a new one)', { link });
    else say(`No admin yet. Open this one-use link to become admin (valid 7 days; a restart prints a new one):\n  ${link}`);
  }

}

/** Keys whose value differs between two effective configurations (secrets compared, never printed). */
function changedSettings(before: RelayConfig, after: RelayConfig): string[] {
  return OPTION_KEYS.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    // One line naming the key, the value and what is allowed; secrets are never shown.
    console.error(error.message);
    process.exit(2);
  }
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
