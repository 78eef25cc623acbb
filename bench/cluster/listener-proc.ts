/** The bench's handle on a process of listeners (listener-child.ts). */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcStats } from './proc-stats.ts';

/** What a listener process recorded. */
export interface ListenerReport {
  /** [listener, speaker, seq, delay ms] flattened. */
  readonly samples: number[];
  readonly proc: ProcStats;
}

/** One listener process. */
export interface ListenerProc {
  /** Resolves once every listener has heard every speaker. */
  readonly warm: Promise<void>;
  isWarm(): boolean;
  record(): void;
  report(): Promise<ListenerReport>;
  stop(): Promise<void>;
}

/** Starts `count` listeners on `wsUrl` in a child process; resolves once their voice is open. */
export async function startListenerProc(wsUrl: string, count: number, prefix: string, speakers: number): Promise<ListenerProc> {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'listener-child.ts'), [wsUrl, String(count), prefix, String(speakers)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let warmed = false;
  let onWarm = (): void => {};
  const warm = new Promise<void>((r) => (onWarm = r));
  let onReport: (r: ListenerReport) => void = () => {};
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`listener child exited [code:${code}]`)));
    child.on('message', (m: { ready?: boolean; warm?: boolean; samples?: number[]; proc?: ProcStats }) => {
      if (m.ready) resolve();
      else if (m.warm) {
        warmed = true;
        onWarm();
      } else if (m.samples && m.proc) onReport({ samples: m.samples, proc: m.proc });
    });
  });
  return {
    warm,
    isWarm: () => warmed,
    record: () => child.send('record'),
    report: () =>
      new Promise<ListenerReport>((resolve) => {
        onReport = resolve;
        child.send('report');
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}
