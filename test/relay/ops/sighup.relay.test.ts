/**
 * SIGHUP on a real relay process started with `--config`: the file is read
 * again; a changed setting is named in the log (it applies at the next
 * restart), a broken file is refused with its reason while the relay keeps
 * serving on its running settings, and the process never exits.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir } from '../../helpers/start-relay.ts';
import { spawnRelayMain } from '../../helpers/relay-main.ts';
import type { RelayMain } from '../../helpers/relay-main.ts';

let dir: string;
let dataDir: string;
let relay: RelayMain;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-sighup-'));
  dataDir = await makeDataDir();
  file = join(dir, 'parley.toml');
  await writeFile(file, `port = 0\nhost = "127.0.0.1"\ndata = "${dataDir}"\nname = "Before"\n`);
  relay = spawnRelayMain(['--config', file]);
  await relay.waitFor(/Parley relay listening: http/, 60_000);
}, 90_000);

afterAll(async () => {
  relay?.kill('SIGINT');
  await relay?.exited;
  await rm(dir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const url = (): string => /Parley relay listening: (http:\/\/\S+)/.exec(relay.output())![1]!;

describe('SIGHUP', () => {
  it('names a changed setting as taking effect at the next restart, and keeps serving', async () => {
    await writeFile(file, `port = 0\nhost = "127.0.0.1"\ndata = "${dataDir}"\nname = "After"\n`);
    relay.kill('SIGHUP');
    await expect.poll(() => relay.output(), { timeout: 20_000 }).toMatch(/config re-read: these settings change at the next restart \[keys:name\]/);
    const health = await fetch(new URL('/healthz', url()));
    expect(health.status).toBe(200);
    expect(relay.child.exitCode).toBeNull();
  });

  it('refuses a broken file with its reason and keeps the running settings', async () => {
    await writeFile(file, `port = 0\nlockout-attempts = -5\n`);
    relay.kill('SIGHUP');
    await expect.poll(() => relay.output(), { timeout: 20_000 }).toMatch(/config re-read refused, running settings kept \[reason:invalid config value \[key:lockout-attempts/);
    const health = await fetch(new URL('/healthz', url()));
    expect(health.status).toBe(200);
    expect(relay.child.exitCode).toBeNull();
  });
});
