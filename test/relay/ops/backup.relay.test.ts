import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, Role } from '../../../proto/index.ts';
import { BackupError, decodeBackup, encodeBackup, runBackup, runRestore } from '../../../relay/ops/index.ts';
import { chat, history, room, texts } from '../../helpers/chat.ts';
import { httpGet } from '../../helpers/http-get.ts';
import { adminRequest } from '../../helpers/invites.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { connectRefused, perTest } from '../../helpers/relay-fixture.ts';

const t = perTest();
const bytes = fc.uint8Array({ maxLength: 40 });
const quietIo = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
};

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-backup-'));
  t.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('backup file format', () => {
  it('round-trips any entries, and refuses every truncation and any flipped byte (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(bytes, bytes), { maxLength: 8 }), fc.nat(), (entries, pick) => {
        const file = encodeBackup(entries);
        expect(decodeBackup(file).map(([k, v]) => [[...k], [...v]])).toEqual(entries.map(([k, v]) => [[...k], [...v]]));
        const cut = pick % file.byteLength;
        expect(() => decodeBackup(file.subarray(0, cut))).toThrow(BackupError);
        const flipped = file.slice();
        flipped[cut] = flipped[cut]! ^ 0x01;
        expect(() => decodeBackup(flipped)).toThrow(BackupError);
      }),
    );
  });

  it('refuses garbage with a typed code (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (garbage) => {
        let code: string | undefined;
        try {
          decodeBackup(garbage);
        } catch (e) {
          code = (e as BackupError).code;
        }
        expect(['bad-magic', 'truncated', 'bad-checksum', 'too-large', 'trailing-bytes']).toContain(code);
      }),
    );
  });
});

describe('npm run relay -- backup / restore', () => {
  it('a backup taken while ops and chat are written restores every acknowledged op, chat message, role and ban', async () => {
    const r = await t.relay({ guests: 'allow' });
    const adminKey = generateKey();
    const admin = await t.client(r, { name: 'Ana', key: adminKey, invite: r.relay.bootstrapInvite! });
    const trollKey = generateKey();
    const troll = await t.client(r, { name: 'Troll', key: trollKey });
    expect((await adminRequest(admin, { case: 'ban', value: { publicKey: rawPublicKeyOf(trollKey), durationMs: 0n, reason: 'spam' } })).code).toBe(0);
    await troll.socket.closed;
    const ops = new OpClient(admin);
    const acked: string[] = [];
    const said: string[] = [];
    for (let i = 0; i < 5; i++) {
      expect((await ops.run({ kind: 'room.create', args: { roomId: `r${i}`, parentId: 'root', name: `R${i}`, index: 10 + i, description: '', userLimit: 0 } })).code).toBe(ErrorCode.UNSPECIFIED);
      acked.push(`r${i}`);
      expect((await chat(admin, { target: room('lobby'), text: `m${i}` })).ack.code).toBe(0);
      said.push(`m${i}`);
    }
    // Load while the snapshot is taken: more ops and chat in flight.
    let writing = true;
    const load = (async () => {
      for (let i = 5; writing && i < 200; i++) {
        await Promise.all([
          ops.run({ kind: 'room.create', args: { roomId: `r${i}`, parentId: 'root', name: `R${i}`, index: 10 + i, description: '', userLimit: 0 } }),
          chat(admin, { target: room('lobby'), text: `m${i}` }),
        ]);
      }
    })();
    const dir = await tempDir();
    const file = join(dir, 'parley.backup');
    const out = quietIo();
    expect(await runBackup(r.dataDir, file, out.io)).toBe(0);
    writing = false;
    await load;
    expect(out.lines[0]).toMatch(/^backup written \[file:.*, entries:\d+, bytes:\d+\]$/);

    const restoredDir = join(dir, 'restored');
    expect(await runRestore(file, restoredDir, quietIo().io)).toBe(0);
    const restored = await t.relay({ dataDir: restoredDir, guests: 'allow' });
    expect(restored.relay.publicKey).toEqual(r.relay.publicKey);
    const back = await connectClient(restored.relay.wsUrl, { name: 'Ana', key: adminKey });
    t.defer(() => back.close());
    expect(back.authOk.role).toBe(Role.ADMIN);
    const replica = new OpClient(back);
    await replica.sync();
    for (const id of acked) expect(replica.rooms().has(id)).toBe(true);
    const page = texts(await history(back, room('lobby'), 0n, 500));
    for (const m of said) expect(page).toContain(m);
    expect((await connectRefused(restored.relay.wsUrl, { name: 'Troll', key: trollKey })).code).toBe(ErrorCode.BANNED);
  });

  it('restore refuses a folder that is not empty, and a damaged file', async () => {
    const dir = await tempDir();
    const file = join(dir, 'x.backup');
    await writeFile(file, encodeBackup([[Uint8Array.of(1), Uint8Array.of(2)]]));
    const full = join(dir, 'full');
    await writeFile(join(dir, 'marker'), '');
    const out = quietIo();
    expect(await runRestore(file, dir, out.io)).toBe(2);
    expect(out.lines[0]).toMatch(/^restore needs an empty data folder/);
    await writeFile(file, Uint8Array.of(1, 2, 3));
    const bad = quietIo();
    expect(await runRestore(file, full, bad.io)).toBe(1);
    expect(bad.lines[0]).toMatch(/^backup refused \[code:bad-magic\]/);
  });

  it('the backup endpoint refuses a request without the admin token', async () => {
    const r = await t.relay();
    expect((await httpGet(r.relay.port, '/admin/backup')).status).toBe(401);
    expect((await httpGet(r.relay.port, '/admin/backup', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});
