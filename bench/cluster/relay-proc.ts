/** The bench's handle on a relay in a child process (relay-child.ts). */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcStats } from './proc-stats.ts';

/** Counters a relay child reports, and its event loop and GC since the last reset. */
export interface RelayCounters {
  readonly forwarded: number;
  /** Frames sent to other relays. */
  readonly crossSent: number;
  /** Link messages those frames left in (fewer when bundled). */
  readonly crossMessages: number;
  readonly crossReceived: number;
  /** Per peer at its last loss report: link messages sent since the link opened, and received there (absent before D132's reports). */
  readonly reported: Readonly<Record<string, { readonly sent: number; readonly received: number }>>;
  readonly proc: ProcStats;
}

/** One relay child. */
export interface RelayProc {
  readonly wsUrl: string;
  /** Resolves once a relay link to any peer is open. */
  readonly linked: Promise<void>;
  /** Starts the event-loop and GC window. */
  reset(): void;
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
    child.on('message', (m: { wsUrl?: string; link?: string } & Partial<RelayCounters>) => {
      if (m.wsUrl) resolve(m.wsUrl);
      else if (m.link) onLink();
      else if (m.forwarded !== undefined && m.proc) {
        waiters.shift()?.({ forwarded: m.forwarded, crossSent: m.crossSent ?? 0, crossMessages: m.crossMessages ?? 0, crossReceived: m.crossReceived ?? 0, reported: m.reported ?? {}, proc: m.proc });
      }
    });
  });
  return {
    wsUrl,
    linked,
    reset: () => child.send('reset'),
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
