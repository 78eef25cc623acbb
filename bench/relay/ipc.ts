/**
 * The coordinator and its child processes (relay, UDP baseline, load
 * generators) talk over Node's IPC channel: one request at a time per child,
 * answered by one reply. {@link Child} is the coordinator's side.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { HistogramData } from './histogram.ts';

/** One simulated user: a global id and the room it sits in. */
export interface SimUser {
  readonly id: number;
  readonly room: string;
  /** Voice id of the room (the UDP baseline forwards by it). */
  readonly voiceId: number;
}

/** Where the load connects. */
export type TargetAddress = { readonly kind: 'relay'; readonly wsUrl: string } | { readonly kind: 'udp'; readonly port: number };

/** Coordinator -> load generator. */
export type LoadRequest =
  | { readonly type: 'connect'; readonly target: TargetAddress; readonly users: readonly SimUser[]; readonly concurrency: number; readonly bundles: boolean }
  | { readonly type: 'disconnect'; readonly ids: readonly number[] }
  | {
      readonly type: 'run';
      /** Ids of the local users that speak. */
      readonly speakers: readonly number[];
      readonly startUs: number;
      readonly measureFromUs: number;
      readonly measureToUs: number;
      readonly stopUs: number;
    }
  | { readonly type: 'collect' }
  | { readonly type: 'exit' };

/** What one load generator measured over a run's window. */
export interface LoadResult {
  /** Packets each local speaker sent with a stamp inside the window, by user id. */
  readonly sentInWindow: Readonly<Record<number, number>>;
  /** Packets received whose stamp is inside the window. */
  readonly receivedInWindow: number;
  /** One-way delay of those packets. */
  readonly delay: HistogramData;
  /** Send ticks that ran more than 5 ms late (the generator fell behind). */
  readonly lateTicks: number;
}

/** Load generator -> coordinator. */
export type LoadReply =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'connected'; readonly connected: number; readonly failedIds: readonly number[]; readonly retries: number }
  | { readonly type: 'disconnected' }
  | { readonly type: 'running' }
  | ({ readonly type: 'result' } & LoadResult)
  | { readonly type: 'error'; readonly message: string };

/** Coordinator -> relay or baseline process. */
export type TargetRequest =
  | { readonly type: 'start'; readonly rooms: number; readonly workers: number; readonly udpMuxPort?: number; readonly voiceWorkers?: number; readonly perms?: boolean }
  | { readonly type: 'stats' }
  | { readonly type: 'exit' };

/** Relay or baseline -> coordinator. */
export type TargetReply =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'started'; readonly address: TargetAddress; readonly pids: readonly number[] }
  | {
      readonly type: 'stats';
      readonly forwarded: number;
      /** Of `forwarded`, copies that left packed in BUNDLE datagrams (0 for the UDP baseline). */
      readonly bundled: number;
      readonly drops: Readonly<Record<string, number>>;
      readonly internalErrors: number;
      /** V8 heap in use and memory held by JS objects outside it (Buffers), KiB: tells a JS leak from native growth. */
      readonly heapUsedKiB: number;
      readonly externalKiB: number;
    }
  | { readonly type: 'error'; readonly message: string };

/** Any reply carries a type; errors are turned into rejections. */
type Reply = { readonly type: string; readonly message?: string };

/** A forked TypeScript child with request/reply over IPC. */
export class Child<Req extends { type: string }, Rep extends Reply> {
  readonly process: ChildProcess;
  readonly #pending: Array<{ resolve: (r: Rep) => void; reject: (e: Error) => void }> = [];
  readonly #ready: Promise<Rep>;
  #exited: Error | undefined;

  constructor(modulePath: string, readonly name: string) {
    // Children write diagnostics to our stderr; stdout stays the one JSON object.
    // The child's first message is its `ready`; wait for it from the start.
    this.#ready = new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
    this.#ready.catch(() => {});
    this.process = fork(modulePath, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'], serialization: 'advanced' });
    this.process.on('message', (m: Rep) => {
      const p = this.#pending.shift();
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(`${this.name}: ${m.message}`));
      else p.resolve(m);
    });
    this.process.on('exit', (code, signal) => {
      this.#exited = new Error(`${this.name} exited [code:${code}, signal:${signal}]`);
      for (const p of this.#pending.splice(0)) p.reject(this.#exited);
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get exited(): boolean {
    return this.#exited !== undefined;
  }

  /** Resolves with the child's first message (its `ready`). */
  ready(): Promise<Rep> {
    return this.#ready;
  }

  /** Sends `req` and resolves with the reply. */
  request(req: Req): Promise<Rep> {
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.process.send(req);
    });
  }

  /** Asks the child to exit and waits (kills it after `graceMs`). */
  async stop(exitRequest: Req, graceMs = 5_000): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.send(exitRequest);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Sends replies from inside a child. */
export function reply<R>(message: R): void {
  process.send?.(message);
}
