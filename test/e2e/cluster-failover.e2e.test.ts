/**
 * Client failover in a cluster, with the real parts: a real nats-server,
 * three relay PROCESSES (relay/main.ts) and two real Chromiums. Ana signs in
 * on relay 1, learns the cluster's relay list, makes a room (acknowledged)
 * and sits in it with voice, playing a tone; Bo, on relay 1 too, hears it.
 * Relay 1 gets `kill -9`: both pages reconnect by themselves to the next
 * relay of the list and are back in the room with voice, and Bo hears Ana's
 * tone again; the room she made is on every surviving relay. A room made on relay 2 while relay 1 is
 * dead reaches relay 1 when it restarts: it catches up to the same tree.
 * Prints how long Ana was away (the goal: 5 s; the deadlines here
 * only fail a hang, bench:cluster measures).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ROOT_ID } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinAs, launchBrowser, newProfile, recordOutput } from './browser.ts';
import { sine, writeWav } from '../helpers/wav.ts';
import { peakHz } from '../helpers/tone-analysis.ts';
import { hasNatsServer } from '../helpers/nats-server.ts';
import { OpClient } from '../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../helpers/relay-client.ts';
import { metricValue, startProcessCluster } from '../helpers/relay-process-cluster.ts';
import type { ClusterProcess, ProcessCluster } from '../helpers/relay-process-cluster.ts';

const TONE_HZ = 440;
const shape = (c: OpClient): string[] => [...c.rooms().values()].map((r) => `${r.id}:${r.name}@${r.parent}`).sort();

async function watcher(r: ClusterProcess, clients: OpClient[], invite?: Uint8Array): Promise<OpClient> {
  const c = new OpClient(await connectClient(r.wsUrl, { name: invite ? 'Admin' : 'Watcher', key: generateKey(), ...(invite ? { invite } : {}) }));
  clients.push(c);
  await c.sync();
  return c;
}

describe.runIf(hasNatsServer)('kill -9 of the relay a browser is on', () => {
  let cluster: ProcessCluster;
  let browsers: Browser[] = [];
  let page: Page;
  let listener: Page;
  let dir: string;
  const clients: OpClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-cluster-e2e-'));
    const tone = writeWav(join(dir, 'tone.wav'), sine(TONE_HZ, 10, 0.5));
    const silence = writeWav(join(dir, 'silence.wav'), new Float32Array(48_000 * 10));
    cluster = await startProcessCluster(3);
    browsers = await Promise.all([launchBrowser(tone), launchBrowser(silence)]);
    page = await (await newProfile(browsers[0]!)).newPage();
    listener = await (await newProfile(browsers[1]!)).newPage();
  });
  afterAll(async () => {
    for (const c of clients) await c.client.close();
    await Promise.all(browsers.map((b) => b.close()));
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reconnects to another relay, back in its room with voice; acknowledged edits kept; the restarted relay catches up', async () => {
    const [r1, r2, r3] = cluster.relays as [ClusterProcess, ClusterProcess, ClusterProcess];
    await joinAs(page, await r1.bootstrapLink(), 'Ana');
    await expect.poll(() => page.evaluate(() => window.parley!.session.state.role)).toBe('admin');
    // The sign-in reply named every relay of the cluster; the page keeps the list.
    const lists = await page.evaluate(() => JSON.parse(localStorage.getItem('parley.relayLists') ?? '{}') as Record<string, string[]>);
    expect(Object.values(lists).flat().sort()).toEqual([r2.wsUrl, r3.wsUrl].sort());

    await page.evaluate((root) => {
      window.parley!.session.dispatch({ type: 'tree-edit', edit: { kind: 'room.create', args: { roomId: 'war-room', parentId: root, name: 'War room', index: 0, description: '', userLimit: 0 } } as never });
    }, ROOT_ID);
    // Acknowledged: no longer pending (the relay answered after the log entry was durable).
    await page.waitForFunction(() => {
      const s = window.parley!.session.state;
      return s.tree.pendingCount === 0 && s.rooms.some((r) => r.id === 'war-room');
    });
    // Roles are shared by the relays: Ana makes a user of relay 2 admin (it gets the admin view there once applied).
    const editor = await watcher(r2, clients);
    const promoted = editor.client.next('adminState', () => true, 20_000);
    const editorHex = Buffer.from(rawPublicKeyOf(editor.client.key)).toString('hex');
    await page.evaluate((hex) => window.parley!.session.dispatch({ type: 'set-role', publicKeyHex: hex, role: 'admin' } as never), editorHex);
    await promoted;
    await joinAs(listener, r1.pageUrl, 'Bo');
    for (const p of [page, listener]) {
      await p.waitForFunction(() => window.parley!.session.state.rooms.some((r) => r.id === 'war-room'));
      await p.evaluate(() => window.parley!.session.dispatch({ type: 'join-room', roomId: 'war-room' }));
      await p.waitForFunction(() => window.parley!.session.state.roomId === 'war-room' && window.parley!.session.state.voice.status === 'ready');
    }
    await expect.poll(async () => peakHz(await recordOutput(listener, 1500)), { timeout: 30_000 }).toBe(TONE_HZ);
    await page.evaluate(() => {
      const w = window as unknown as { lostAt: number | null };
      w.lostAt = null;
      window.parley!.session.subscribe((s) => {
        if (w.lostAt === null && s.connection.status !== 'connected') w.lostAt = performance.now();
      });
    });

    await r1.kill();
    const backMs = await page
      .waitForFunction(
        () => {
          const w = window as unknown as { lostAt: number | null };
          const s = window.parley!.session.state;
          return w.lostAt !== null && s.connection.status === 'connected' && s.roomId === 'war-room' && s.voice.status === 'ready' ? performance.now() - w.lostAt : false;
        },
        undefined,
        { timeout: 30_000, polling: 50 },
      )
      .then((h) => h.jsonValue() as Promise<number>);
    console.info(`back in the room with voice on another relay ${Math.round(backMs)} ms after the connection was lost`);
    // Both went to the next relay of the same list: Bo hears Ana again (voice between relays is not built).
    await listener.waitForFunction(() => window.parley!.session.state.connection.status === 'connected' && window.parley!.session.state.roomId === 'war-room', undefined, { timeout: 30_000 });
    await expect.poll(async () => peakHz(await recordOutput(listener, 1500)), { timeout: 30_000 }).toBe(TONE_HZ);
    // The room made before the kill is on both surviving relays.
    const w3 = await watcher(r3, clients);
    expect(w3.rooms().has('war-room')).toBe(true);

    // While relay 1 is dead, the admin on relay 2 makes a room (retrying while the lease moves).
    const op = editor.sign({ kind: 'room.create', args: { roomId: 'while-down', parentId: ROOT_ID, name: 'While down', index: 1, description: '', userLimit: 0 } });
    let code = ErrorCode.CLUSTER_UNAVAILABLE;
    while (code === ErrorCode.CLUSTER_UNAVAILABLE) {
      code = (await editor.submit([op], 10_000))[0]!.code;
      // Unavailable only until a surviving relay holds the lease: wait for /metrics to say one does.
      if (code === ErrorCode.CLUSTER_UNAVAILABLE) await expect.poll(async () => (await Promise.all([r2, r3].map((r) => r.metrics()))).some((t) => metricValue(t, 'parley_cluster_role{role="writer"}') === 1), { timeout: 20_000 }).toBe(true);
    }
    expect(code).toBe(ErrorCode.UNSPECIFIED);
    await expect.poll(() => w3.rooms().has('while-down'), { timeout: 10_000 }).toBe(true);

    // Relay 1 restarts on its data folder: it reads what it missed before it listens.
    await r1.start();
    const w1 = await watcher(r1, clients);
    expect(w1.rooms().has('while-down')).toBe(true);
    expect(shape(w1)).toEqual(shape(w3));
    await expect.poll(async () => metricValue(await r1.metrics(), 'parley_cluster_log_lag'), { timeout: 10_000 }).toBe(0);
  });
});
