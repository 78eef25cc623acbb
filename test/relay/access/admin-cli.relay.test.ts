/**
 * The admin CLI on a real data folder: grant by fingerprint, list, ban list
 * and lift, the role surviving a relay restart, and a clear refusal while a
 * relay holds the folder (spawned through relay/main.ts, like `npm run relay`).
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode, Role } from '../../../proto/index.ts';
import { fingerprint } from '../../../keys/fingerprint.ts';
import { runAdminCli } from '../../../relay/index.ts';
import { adminRequest } from '../../helpers/invites.ts';
import { connectClient, generateKey, rawPublicKeyOf, withTimeout } from '../../helpers/relay-client.ts';
import { makeDataDir, startRelay } from '../../helpers/start-relay.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function cli(args: string[], dataDir: string): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  return runAdminCli(args, dataDir, { out: (l) => out.push(l), err: (l) => err.push(l), now: () => Date.now() }).then((code) => ({ code, out, err }));
}

describe('admin CLI', () => {
  it('grants admin by fingerprint on a stopped relay; the role holds after a restart; bans are listed and lifted', async () => {
    const dataDir = await makeDataDir();
    try {
      const key = generateKey();
      const first = await startRelay({ dataDir });
      const guest = await connectClient(first.relay.wsUrl, { name: 'Owner', key });
      expect(guest.authOk.role).toBe(Role.GUEST);
      await guest.close();
      await first.stop();

      const fp = await fingerprint(rawPublicKeyOf(key));
      const granted = await cli(['admin', 'grant', fp, 'admin'], dataDir);
      expect(granted).toMatchObject({ code: 0, err: [] });
      expect(granted.out[0]).toContain(`granted admin to ${fp}`);
      expect(granted.out[0]).toContain('"Owner"');
      const listed = await cli(['admin', 'list'], dataDir);
      expect(listed.out.join('\n')).toMatch(new RegExp(`^admin\\s+${fp}`, 'm'));

      const second = await startRelay({ dataDir });
      expect(second.relay.bootstrapInvite).toBeUndefined();
      const admin = await connectClient(second.relay.wsUrl, { name: 'Owner', key });
      expect(admin.authOk.role).toBe(Role.ADMIN);
      const troll = generateKey();
      expect((await adminRequest(admin, { case: 'ban', value: { publicKey: rawPublicKeyOf(troll), reason: 'spam' } })).code).toBe(ErrorCode.UNSPECIFIED);
      await admin.close();
      await second.stop();

      const bans = await cli(['ban', 'list'], dataDir);
      expect(bans.out.join('\n')).toContain('until lifted');
      expect(bans.out.join('\n')).toContain(Buffer.from(rawPublicKeyOf(troll)).toString('hex'));
      expect((await cli(['ban', 'lift', Buffer.from(rawPublicKeyOf(troll)).toString('hex')], dataDir)).code).toBe(0);
      expect((await cli(['ban', 'list'], dataDir)).out).toEqual(['no bans in force']);
      // Removing a role makes the key a guest again.
      expect((await cli(['admin', 'grant', fp, 'guest'], dataDir)).out[0]).toContain('removed the role');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('explains bad input with exit code 2 and a missing folder with 1', async () => {
    const dataDir = await makeDataDir();
    try {
      const unknown = await cli(['admin', 'grant', 'aaaa-bbbb-cccc-dddd', 'admin'], dataDir);
      expect(unknown.code).toBe(2);
      expect(unknown.err[0]).toContain('no key this relay knows');
      expect((await cli(['admin', 'grant', 'zz', 'admin'], dataDir)).err[0]).toContain('not a key or fingerprint');
      expect((await cli(['admin', 'grant', 'a'.repeat(64), 'king'], dataDir)).err[0]).toContain('role must be');
      expect((await cli(['admin', 'frobnicate'], dataDir)).err[0]).toContain('usage:');
      const missing = await cli(['admin', 'list'], `${dataDir}/nope`);
      expect(missing.code).toBe(1);
      expect(missing.err[0]).toContain('no relay data folder');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  // A minute, not the default 20 s: the child is `node --import tsx relay/main.ts`, which compiles and
  // loads the whole relay before it looks at its arguments; on a loaded 2-core box that start alone can
  // use up the 20 s this test used to have in total (its own exit wait was 20 s as well).
  it('`relay/main.ts admin list` refuses clearly while a relay holds the data folder', { timeout: 60_000 }, async () => {
    const running = await startRelay();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', '--data', running.dataDir, 'admin', 'list'], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      const code = await withTimeout(new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c))), 50_000, 'cli exit');
      expect(code).toBe(1);
      expect(output).toContain('is in use by a running relay. Stop the relay first');
      // The running relay is unaffected.
      const c = await connectClient(running.relay.wsUrl, { name: 'Still here' });
      await c.close();
    } finally {
      await running.cleanup();
    }
  });
});
