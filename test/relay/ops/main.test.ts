import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../../relay/index.ts';
import { connectClient, withTimeout } from '../../helpers/relay-client.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';
import { spawnRelayMain } from '../../helpers/relay-main.ts';

describe('relay/main.ts', () => {
  it('starts from flags and env, prints the URL, and closes cleanly on SIGINT without logging the password', async () => {
    const dataDir = await makeDataDir();
    const password = 'env-only-secret';
    const relay = spawnRelayMain(['--port', '0', '--host', '127.0.0.1', '--data', dataDir], { PARLEY_PASSWORD: password });
    try {
      const url = (await relay.waitFor(/Parley relay listening: (http:\/\/\S+)/, 15_000))[1]!;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      // Scripts (the e2e harness) take the first URL printed; it must be this one.
      expect(/(http:\/\/[^\s]+)/.exec(relay.output())?.[1]).toBe(url);
      // A fresh relay has no admin: it prints a one-use admin link after the URL.
      await expect.poll(() => relay.output()).toMatch(/No admin yet\. .*\n {2}http:\/\/127\.0\.0\.1:\d+\/#invite=[A-Za-z0-9_-]{211}\n/);
      const client = await connectClient(`${url.replace('http', 'ws')}ws`, { name: 'Cli', password });
      expect(client.hello.passwordRequired).toBe(true);
      relay.kill('SIGINT');
      expect((await client.socket.closed).code).toBe(CloseCode.GoingAway);
      expect(await withTimeout(relay.exited, 10_000, 'exit')).toBe(0);
      expect(relay.output()).not.toContain(password);
    } finally {
      relay.kill();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
