import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '../../helpers/relay-client.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';
import { spawnRelayMain } from '../../helpers/relay-main.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs relay/main.ts to its exit (commands that do not start a relay). */
async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const relay = spawnRelayMain(args, env);
  const code = await withTimeout(relay.exited, 20_000, 'relay/main.ts exit');
  return { code, stdout: relay.stdout(), stderr: relay.stderr() };
}

describe('relay/main.ts configuration', () => {
  it('refuses a bad file value at start: exit 2, one line naming the key, the value and what is allowed', async () => {
    const file = join(dir, 'bad.toml');
    await writeFile(file, 'port = 8080\nlockout-attempts = -1\n');
    const r = await run(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`invalid config value [key:lockout-attempts, value:-1, source:file ${file}, allowed:an integer >= 0]\n`);
  });

  it('refuses an unknown file key with exit 2', async () => {
    const file = join(dir, 'unknown.toml');
    await writeFile(file, 'prot = 1\n');
    const r = await run(['--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^unknown config key \[key:"prot"/);
  });

  it('--print-config prints the effective configuration, flags over env over file, secrets redacted', async () => {
    const file = join(dir, 'good.toml');
    await writeFile(file, 'port = 9001\nname = "From file"\nmetrics-token = "file-token-0123456789"\n');
    const r = await run(['--config', file, '--print-config', '--port', '9002'], { PARLEY_PASSWORD: 'env-secret-pw', PARLEY_SERVER_NAME: 'From env' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('port = 9002  # flag');
    expect(r.stdout).toContain('name = "From env"  # env');
    expect(r.stdout).toContain('metrics-token = "(redacted)"  # file');
    expect(r.stdout).toContain('password = "(redacted)"  # env');
    expect(r.stdout).not.toContain('env-secret-pw');
    expect(r.stdout).not.toContain('file-token-0123456789');
  });

  it('--log-format json writes one JSON object per line (time, level, msg, fields) and no secret', async () => {
    const dataDir = await makeDataDir();
    const password = 'json-mode-secret';
    const relay = spawnRelayMain(['--port', '0', '--host', '127.0.0.1', '--data', dataDir, '--log-format', 'json', '--voice-workers', '0'], {
      PARLEY_PASSWORD: password,
      PARLEY_METRICS_TOKEN: 'json-mode-token-0123456789',
    });
    try {
      await relay.waitFor(/"msg":"No admin yet/, 15_000);
      relay.kill('SIGINT');
      expect(await withTimeout(relay.exited, 10_000, 'exit')).toBe(0);
      const output = relay.output();
      const lines = output.trim().split('\n');
      const records = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { time: string; level: string; msg: string; fields: Record<string, string> });
      expect(records.length).toBeGreaterThanOrEqual(3);
      expect(records.find((r) => r.msg === 'relay listening')?.fields.port).toMatch(/^\d+$/);
      expect(records.find((r) => r.msg === 'Parley relay listening')?.fields.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      for (const r of records) {
        expect(Number.isNaN(Date.parse(r.time))).toBe(false);
        expect(['debug', 'info', 'warn', 'error']).toContain(r.level);
      }
      expect(output).not.toContain(password);
      expect(output).not.toContain('json-mode-token-0123456789');
    } finally {
      relay.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
