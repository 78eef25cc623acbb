/**
 * Debian's `nats-server` with JetStream on a loopback port, its store in a
 * temp dir (`.ci/run` installs the package). Readiness is the server's own
 * "Server is ready" log line, never a sleep. `stop()` ends it (SIGTERM, or
 * SIGKILL with `{ kill: true }`) and `start()` starts it again on the same
 * port and store, which is how tests restart NATS under running relays.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export const NATS_SERVER_PATH = process.env.NATS_SERVER_PATH ?? (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : '/usr/bin/nats-server');

/** Whether nats-server is installed. */
export const hasNatsServer = existsSync(NATS_SERVER_PATH);

/** One nats-server process (restartable on the same port and store). */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Everything it logged (for failure messages). */
  output(): string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Starts it again (same port, same JetStream store). */
  start(): Promise<void>;
  /** Stops it; `kill` sends SIGKILL instead of SIGTERM. */
  stop(options?: { kill?: boolean }): Promise<void>;
  /** Stops it and deletes its store. */
  close(): Promise<void>;
}

/** Starts a nats-server with JetStream on a free loopback port. */
export async function startNatsServer(): Promise<NatsServer> {
  if (!hasNatsServer) throw new Error(`nats-server not found [path:${NATS_SERVER_PATH}]: apt-get install nats-server (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'parley-nats-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let out = '';

  const start = async (): Promise<void> => {
    if (child) throw new Error('nats-server already running');
    const proc = spawn(NATS_SERVER_PATH, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const onData = (d: Buffer): void => {
        const text = d.toString();
        out += text;
        seen += text;
        if (seen.includes('Server is ready')) resolve();
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code, signal) => reject(new Error(`nats-server exited [code:${code}] [signal:${signal}]\n${out}`)));
    });
  };

  const stop = async (options: { kill?: boolean } = {}): Promise<void> => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(options.kill ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    output: () => out,
    get running() {
      return child !== null;
    },
    start,
    stop,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
