/**
 * SIGHUP on a real relay process started with `--config`: the file is read
 * again; a changed setting is named in the log (it applies at the next
 * restart), a broken file is refused with its reason while the relay keeps
 * serving on its running settings, and the process never exits.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir } from '../../helpers/start-relay.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let dir: string;
let dataDir: string;
let child: ChildProcess;
let out = '';
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-sighup-'));
  dataDir = await makeDataDir();
  file = join(dir, 'parley.toml');
  await writeFile(file, `port = 0\nhost = "127.0.0.1"\ndata = "${dataDir}"\nname = "Before"\n`);
  child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', '--config', file], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  // Resolves on the banner line (an event of the process's output), not after a time.
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (/Parley relay listening: http/.test(out)) resolve();
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`relay exited [code:${code}] ${out}`)));
  });
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const url = (): string => /Parley relay listening: (http:\/\/\S+)/.exec(out)![1]!;

describe('SIGHUP', () => {
  it('names a changed setting as taking effect at the next restart, and keeps serving', async () => {
    await writeFile(file, `port = 0\nhost = "127.0.0.1"\ndata = "${dataDir}"\nname = "After"\n`);
    child.kill('SIGHUP');
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/config re-read: these settings change at the next restart \[keys:name\]/);
    const health = await fetch(new URL('/healthz', url()));
    expect(health.status).toBe(200);
    expect(child.exitCode).toBeNull();
  });

  it('refuses a broken file with its reason and keeps the running settings', async () => {
    await writeFile(file, `port = 0\nlockout-attempts = -5\n`);
    child.kill('SIGHUP');
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/config re-read refused, running settings kept \[reason:invalid config value \[key:lockout-attempts/);
    const health = await fetch(new URL('/healthz', url()));
    expect(health.status).toBe(200);
    expect(child.exitCode).toBeNull();
  });
});
