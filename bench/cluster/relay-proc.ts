/** The bench's handle on a relay in a child process (relay-child.ts). */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Counters a relay child reports. */
export interface RelayCounters {
  readonly forwarded: number;
  readonly crossSent: number;
}

/** One relay child. */
export interface RelayProc {
  readonly wsUrl: string;
  /** Resolves once a relay link to any peer is open. */
  readonly linked: Promise<void>;
  counters(): Promise<RelayCounters>;
  stop(): Promise<void>;
}

/** Starts a relay child; `cluster` makes it one relay of that cluster; `workers`: its voice worker processes. */
export async function startRelayProc(cluster?: { url: string; name: string; id: string; keyFile: string }, workers = 0): Promise<RelayProc> {
  const args = [...(cluster ? ['--cluster', cluster.url, '--name', cluster.name, '--id', cluster.id, '--key', cluster.keyFile] : []), '--workers', String(workers)];
  const child: ChildProcess = fork(join(dirname(fileURLToPath(import.meta.url)), 'relay-child.ts'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let onLink = (): void => {};
  const linked = new Promise<void>((r) => (onLink = r));
  const waiters: Array<(c: RelayCounters) => void> = [];
  const wsUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`relay child exited [code:${code}]`)));
    child.on('message', (m: { wsUrl?: string; link?: string; forwarded?: number; crossSent?: number }) => {
      if (m.wsUrl) resolve(m.wsUrl);
      else if (m.link) onLink();
      else if (m.forwarded !== undefined) waiters.shift()?.({ forwarded: m.forwarded, crossSent: m.crossSent ?? 0 });
    });
  });
  return {
    wsUrl,
    linked,
    counters: () =>
      new Promise<RelayCounters>((resolve) => {
        waiters.push(resolve);
        child.send('stats');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}
