/**
 * The one way tests start the real relay entry point, `relay/main.ts`, as a
 * child process (what `npm start` runs, minus the build): flags, extra
 * environment, optional V8 flags; output collected, waits on output lines
 * (events of the process, never a timed sleep) and on its exit.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A running (or finished) `relay/main.ts`. */
export interface RelayMain {
  readonly child: ChildProcess;
  /** Resolves with the exit code once the process has exited and its output is all read (null if killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything printed so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /**
   * Resolves with the first match of `pattern` in the output (already printed
   * or yet to come); rejects if the process exits first or after `timeoutMs`.
   */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` if the process still runs (SIGKILL is the cleanup's default). */
  kill(signal?: NodeJS.Signals): void;
}

/** Options of {@link spawnRelayMain}. */
export interface SpawnOptions {
  /** Node flags before the script (V8 flags for a benchmark, e.g. `--max-semi-space-size=2`). */
  readonly nodeArgs?: readonly string[];
}

/** Starts `relay/main.ts args` with `env` added to this process's environment (PORT cleared unless given). */
export function spawnRelayMain(args: readonly string[], env: Readonly<Record<string, string>> = {}, options: SpawnOptions = {}): RelayMain {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', 'relay/main.ts', ...args], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let all = '';
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    all += c.toString('utf8');
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    all += c.toString('utf8');
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      done = true;
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise<RegExpExecArray>((resolve, reject) => {
        const check = (): boolean => {
          const m = pattern.exec(all);
          if (!m) return false;
          finish();
          resolve(m);
          return true;
        };
        const onExit = (code: number | null): void => {
          if (check()) return;
          finish();
          reject(new Error(`relay exited [code:${code}] before printing ${pattern}\n${all}`));
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`relay did not print ${pattern} within ${timeoutMs} ms\n${all}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr!.off('data', check);
          child.off('close', onExit);
        };
        if (check()) return;
        if (done) {
          onExit(child.exitCode);
          return;
        }
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        child.once('close', onExit);
      });
    },
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!done && child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
