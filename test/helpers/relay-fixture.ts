/**
 * Test fixtures around a real relay (start-relay.ts) and real clients
 * (relay-client.ts): per-test relays and clients closed after each test, one
 * relay with a watching client shared by a whole file, a refusal expected
 * from the handshake, and the check that the relay still serves others.
 *
 * They register vitest hooks, so call them at file or `describe` level.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { RelayOptions } from '../../relay/index.ts';
import { connectClient, RelayRefusedError } from './relay-client.ts';
import type { ConnectOptions, TestClient } from './relay-client.ts';
import { startRelay } from './start-relay.ts';
import type { StartedRelay } from './start-relay.ts';

/** What a test opened, closed in reverse order after it. */
export interface PerTest {
  /** Runs `close` after the current test (after everything registered later). */
  defer(close: () => Promise<unknown>): void;
  /** A fresh relay (temp data dir) cleaned up after the test. */
  relay(options?: Partial<RelayOptions>): Promise<StartedRelay>;
  /** A signed-in client of `r`, closed after the test. */
  client(r: StartedRelay, options: ConnectOptions): Promise<TestClient>;
}

/**
 * Registers an `afterEach` that closes what each test opened, newest first.
 * With `ignoreErrors`, a close that fails (a relay a test already broke) does
 * not fail the test.
 */
export function perTest({ ignoreErrors = false }: { ignoreErrors?: boolean } = {}): PerTest {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await (ignoreErrors ? c().catch(() => {}) : c());
  });
  return {
    defer: (close) => void cleanups.push(close),
    async relay(options = {}) {
      const r = await startRelay(options);
      cleanups.push(() => r.cleanup());
      return r;
    },
    async client(r, options) {
      const c = await connectClient(r.relay.wsUrl, options);
      cleanups.push(() => c.close());
      return c;
    },
  };
}

/** One relay and one signed-in watcher for a whole file or `describe`. */
export interface SharedRelay {
  /** Valid inside tests (after `beforeAll`). */
  readonly started: StartedRelay;
  /** A client that stays signed in throughout, to prove others are unaffected. */
  readonly watcher: TestClient;
}

/**
 * Starts a relay and signs in a watcher with `watcherOptions` before all
 * tests (`onStarted` runs in between, e.g. to subscribe to relay events), and
 * closes both after them.
 */
export function sharedRelay(options: Partial<RelayOptions>, watcherOptions: ConnectOptions, onStarted?: (started: StartedRelay) => void): SharedRelay {
  let started: StartedRelay | undefined;
  let watcher: TestClient | undefined;
  beforeAll(async () => {
    started = await startRelay(options);
    onStarted?.(started);
    watcher = await connectClient(started.relay.wsUrl, watcherOptions);
  });
  afterAll(async () => {
    await watcher?.close();
    await started?.cleanup();
  });
  return {
    get started() {
      if (!started) throw new Error('sharedRelay used outside a test');
      return started;
    },
    get watcher() {
      if (!watcher) throw new Error('sharedRelay used outside a test');
      return watcher;
    },
  };
}

/** Connects expecting the handshake to be refused; returns the refusal. */
export async function connectRefused(wsUrl: string, options: ConnectOptions): Promise<RelayRefusedError> {
  const error = await connectClient(wsUrl, options).then(
    () => {
      throw new Error('expected the relay to refuse');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RelayRefusedError);
  return error as RelayRefusedError;
}

/**
 * Proves the relay still serves `watcher`: a ping round trip, then a probe
 * client signing in (seen live by the watcher) and leaving again. Returns the
 * probe's user as the watcher saw it join.
 */
export async function expectWatcherServed(watcher: TestClient, wsUrl: string, probe: ConnectOptions) {
  await watcher.ping();
  const client = await connectClient(wsUrl, probe);
  const joined = await watcher.next('userJoined', (j) => j.user?.sessionId === client.sessionId);
  await client.close();
  await watcher.next('userLeft', (l) => l.sessionId === client.sessionId);
  return joined.user;
}
