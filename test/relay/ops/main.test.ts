import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../../relay/index.ts';
import { connectClient, withTimeout } from '../../helpers/relay-client.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('relay/main.ts', () => {
  it('starts from flags and env, prints the URL, and closes cleanly on SIGINT without logging the password', async () => {
    const dataDir = await makeDataDir();
    const password = 'env-only-secret';
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', '--port', '0', '--host', '127.0.0.1', '--data', dataDir], {
      cwd: repoRoot,
      env: { ...process.env, PARLEY_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await withTimeout(
        new Promise<string>((resolve) => {
          const check = (): void => {
            const m = /Parley relay listening: (http:\/\/\S+)/.exec(output);
            if (m) resolve(m[1]!);
          };
          child.stdout.on('data', check);
          check();
        }),
        15_000,
        'listening line',
      );
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      // Scripts (the e2e harness) take the first URL printed; it must be this one.
      expect(/(http:\/\/[^\s]+)/.exec(output)?.[1]).toBe(url);
      // A fresh relay has no admin: it prints a one-use admin link after the URL.
      await expect.poll(() => output).toMatch(/No admin yet\. .*\n {2}http:\/\/127\.0\.0\.1:\d+\/#invite=[A-Za-z0-9_-]{211}\n/);
      const client = await connectClient(`${url.replace('http', 'ws')}ws`, { name: 'Cli', password });
      expect(client.hello.passwordRequired).toBe(true);
      child.kill('SIGINT');
      expect((await client.socket.closed).code).toBe(CloseCode.GoingAway);
      expect(await withTimeout(exited, 10_000, 'exit')).toBe(0);
      expect(output).not.toContain(password);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
