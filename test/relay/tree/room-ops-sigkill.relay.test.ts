/**
 * Durability: the relay acknowledges an op only once it is on disk. A relay
 * process killed with SIGKILL right after acknowledgements loses none of the
 * acknowledged ops.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { fromBase64Url } from '../../../proto/index.ts';
import { startRelayProcess } from '../../e2e/relay-process.ts';
import type { RelayProcess } from '../../e2e/relay-process.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';

const wsOf = (url: string) => url.replace(/^http/, 'ws').replace(/\/$/, '/ws');

describe('relay process killed with SIGKILL after acknowledging', () => {
  const procs: RelayProcess[] = [];
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL').catch(() => {});
    if (procs[0]) rmSync(procs[0].dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged op', { timeout: 60_000 }, async () => {
    const first = await startRelayProcess([], { dataDir: (await import('../../helpers/start-relay.ts').then((m) => m.makeDataDir())) });
    procs.push(first);
    await expect.poll(() => /#invite=([A-Za-z0-9_-]+)/.test(first.output()), { timeout: 10_000 }).toBe(true);
    const invite = fromBase64Url(/#invite=([A-Za-z0-9_-]+)/.exec(first.output())![1]!)!;
    const key = generateKey();
    const admin = new OpClient(await connectClient(wsOf(first.url), { name: 'Admin', key, invite }));
    await admin.sync();
    const acked: string[] = [];
    for (let frame = 0; frame < 5; frame++) {
      const ops = Array.from({ length: 20 }, (_, i) => {
        const id = `k${frame}-${i}`;
        return admin.sign({ kind: 'room.create', args: { roomId: id, parentId: 'root', name: `Room ${id}`, index: 99, description: '', userLimit: 0 } });
      });
      const results = await admin.submit(ops);
      expect(results.every((r) => r.code === 0)).toBe(true);
      acked.push(...ops.map((_, i) => `k${frame}-${i}`));
    }
    // Right after the last acknowledgement: no clean shutdown, no flush.
    process.kill(first.pid, 'SIGKILL');
    await admin.client.socket.closed;

    const second = await startRelayProcess([], { dataDir: first.dataDir });
    procs.push(second);
    const again = new OpClient(await connectClient(wsOf(second.url), { name: 'Admin', key }));
    await again.sync();
    const rooms = again.rooms();
    for (const id of acked) expect(rooms.has(id), id).toBe(true);
    // The device sequence survived too: the next op continues after the last acknowledged one.
    again.seq = admin.seq;
    expect((await again.run({ kind: 'room.rename', args: { roomId: 'k0-0', name: 'After restart' } })).code).toBe(0);
    await again.client.close();
  });
});
