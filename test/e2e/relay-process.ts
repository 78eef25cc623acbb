/**
 * Runs the real relay as a child process (test/helpers/relay-main.ts) on
 * port 0 with a temp data folder, and reads the URL it prints.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnRelayMain } from '../helpers/relay-main.ts';

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
  const relay = spawnRelayMain(['--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...args], {}, { nodeArgs: options.nodeArgs ?? [] });
  // Up to the e2e hook timeout: on a box shared with other test runs, tsx's start alone took over 30 s.
  const url = (await relay.waitFor(/(https?:\/\/[^\s]+)/, 120_000))[1]!.replace('localhost', '127.0.0.1');
  const pid = relay.child.pid!;
  return {
    url,
    pid,
    dataDir,
    output: relay.output,
    rssKiB() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      relay.kill(signal);
      await relay.exited;
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { freePort } from '../helpers/free-port.ts';
