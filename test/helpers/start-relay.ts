/**
 * Starts a real relay for a test: port 0 on 127.0.0.1, a temporary data
 * directory, and an in-memory logger whose lines tests can inspect.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay } from '../../relay/index.ts';
import type { Logger, Relay, RelayEventPayloads, RelayEvents, RelayOptions } from '../../relay/index.ts';
import { withTimeout } from './relay-client.ts';

/** A relay started by {@link startRelay}. */
export interface StartedRelay {
  readonly relay: Relay;
  readonly dataDir: string;
  /** Every log line the relay wrote, as `level line`. */
  readonly logs: string[];
  /** Closes the relay; keeps the data directory (restart tests). */
  stop(): Promise<void>;
  /** Closes the relay and deletes the data directory. */
  cleanup(): Promise<void>;
}

/** Creates a fresh temporary directory for relay data. */
export function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'parley-relay-'));
}

function memoryLogger(lines: string[]): Logger {
  return {
    debug: (line) => lines.push(`debug ${line}`),
    info: (line) => lines.push(`info ${line}`),
    warn: (line) => lines.push(`warn ${line}`),
    error: (line) => lines.push(`error ${line}`),
  };
}

/** Starts a relay on 127.0.0.1:0 with a temp dataDir (or the one given). */
export async function startRelay(options: Partial<RelayOptions> = {}): Promise<StartedRelay> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  const logs: string[] = [];
  const relay = await createRelay({ port: 0, host: '127.0.0.1', logger: memoryLogger(logs), ...options, dataDir });
  return {
    relay,
    dataDir,
    logs,
    stop: () => relay.close(),
    async cleanup() {
      await relay.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the next `name` event of `relay` that satisfies `predicate`. Subscribe before causing it. */
export function waitForEvent<K extends keyof RelayEvents>(
  relay: Relay,
  name: K,
  predicate: (payload: RelayEventPayloads[K]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<RelayEventPayloads[K]> {
  let off = (): void => {};
  const found = new Promise<RelayEventPayloads[K]>((resolve) => {
    // Generic over K, TypeScript cannot see that this listener fits RelayEvents[K] (it is its definition).
    const listener = (payload: RelayEventPayloads[K]): void => {
      if (predicate(payload)) {
        off();
        resolve(payload);
      }
    };
    off = relay.on(name, listener as RelayEvents[K]);
  });
  return withTimeout(found, timeoutMs, `relay event ${String(name)}`).finally(() => off());
}
