/**
 * Debian's coturn (`turnserver`) on loopback for the TURN tests (`.ci/run`
 * installs the package): TURN REST credentials (`use-auth-secret` with a
 * `static-auth-secret`), UDP and TCP on one free port, no TLS/DTLS, no CLI,
 * its database and pid file in a temp dir, relay ports from a random range.
 * Relayed addresses are on 127.0.0.2, apart from the clients' 127.0.0.1: coturn's
 * permissions are per IP, so a packet a peer sends straight from its own
 * socket to the other's relayed address is dropped, as it would be on a real
 * network, and only the relayed path works. Loopback peers must be allowed
 * (coturn refuses them by default). Readiness is coturn's own log ("UDP listener opened" and
 * "Total General servers"), never a sleep. `close()` ends it and deletes the dir.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const TURNSERVER_PATH = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

/** Where coturn allocates relayed addresses (see the module comment). */
export const RELAY_IP = '127.0.0.2';

/** Whether coturn is installed. */
export const hasCoturn = existsSync(TURNSERVER_PATH);

/** One running coturn. */
export interface Coturn {
  /** Its listening port (UDP and TCP) on 127.0.0.1. */
  readonly port: number;
  /** `turn:127.0.0.1:PORT?transport=udp` and `…=tcp`. */
  readonly urls: readonly string[];
  /** The static-auth-secret it checks credentials with. */
  readonly secret: string;
  /** Everything it logged so far (verbose: allocations and refusals). */
  output(): string;
  /** Resolves once its log contains `pattern` (e.g. an allocation), or rejects if it exits first. */
  waitFor(pattern: RegExp): Promise<void>;
  close(): Promise<void>;
}

/** Starts coturn with `secret` on a free loopback port. */
export async function startCoturn(secret: string): Promise<Coturn> {
  if (!hasCoturn) throw new Error(`turnserver not found [path:${TURNSERVER_PATH}]: apt-get install coturn (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'parley-coturn-'));
  const port = await freePort();
  // A random 200-port range, so parallel test files rarely compete; coturn skips ports in use.
  const minPort = 20_000 + Math.floor(Math.random() * 200) * 200;
  const args = [
    '-n', '-v', '--log-file=stdout', '--simple-log', '--no-cli', '--no-tls', '--no-dtls', '--no-rfc5780',
    '--listening-ip=127.0.0.1', `--relay-ip=${RELAY_IP}`, `--listening-port=${port}`,
    `--min-port=${minPort}`, `--max-port=${minPort + 199}`, '--allow-loopback-peers',
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=parley.test',
    `--userdb=${join(dir, 'turndb')}`, `--pidfile=${join(dir, 'turnserver.pid')}`,
  ];
  const proc = spawn(TURNSERVER_PATH, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let out = '';
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) w();
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const gone = new Promise<void>((resolve) => {
    proc.once('exit', (code, signal) => {
      exited = { code, signal };
      for (const w of [...waiters]) w();
      resolve();
    });
  });

  const waitFor = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (pattern.test(out)) {
          waiters.delete(check);
          resolve();
        } else if (exited) {
          waiters.delete(check);
          reject(new Error(`turnserver exited [code:${exited.code}] [signal:${exited.signal}] before ${pattern}\n${out}`));
        }
      };
      waiters.add(check);
      check();
    });

  const close = async (): Promise<void> => {
    if (!exited) {
      proc.kill('SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(/UDP listener opened on/);
    await waitFor(/Total General servers/);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    port,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    secret,
    output: () => out,
    waitFor,
    close,
  };
}
