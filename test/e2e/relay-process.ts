/**
 * Runs the real relay as a child process (exactly like `npm start` minus the
 * build) on port 0 with a temp data folder, and reads the URL it prints.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RelayProcess {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Everything the relay printed so far. */
  output(): string;
  /** Resident memory of the relay process in KiB (from /proc). */
  rssKiB(): number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `nodeArgs` go to node before the script (V8 flags for a benchmark, e.g. `--max-semi-space-size=2`). */
export async function startRelayProcess(args: string[] = [], options: { dataDir?: string; nodeArgs?: readonly string[] } = {}): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'relay/main.ts', '--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '' },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /(https?:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`relay exited early [code:${code}]\n${out}`)));
    setTimeout(() => reject(new Error(`relay did not print its URL within 30 s\n${out}`)), 30_000).unref();
  });
  return {
    url,
    pid: child.pid!,
    dataDir,
    output: () => out,
    rssKiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { freePort } from '../helpers/free-port.ts';
