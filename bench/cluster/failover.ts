/**
 * Failover time after `kill -9` (issue 17's goal: ≤ 5 s back in the room
 * with voice): a real nats-server, three relay processes
 * (test/helpers/relay-process-cluster.ts) and real Chromium. The page signs
 * in on relay 1, learns the relay list and sits in a room with voice; then,
 * `kills` times, the relay it is on gets SIGKILL and the page measures, by
 * its own clock, from the moment it saw the connection lost to the moment it
 * is connected again, in its room, with voice ready, on another relay. The
 * killed relay is restarted before the next round.
 */
import type { Page } from 'playwright-core';
import { ROOT_ID } from '../../crdt/index.ts';
import { joinAs, launchBrowser, newProfile } from '../../test/e2e/browser.ts';
import { metricValue, startProcessCluster } from '../../test/helpers/relay-process-cluster.ts';
import type { ClusterProcess } from '../../test/helpers/relay-process-cluster.ts';

/** What {@link failover} measures. */
export interface FailoverTimes {
  /** Each round's ms from connection lost to back in the room with voice. */
  readonly failoverMs: readonly number[];
  readonly failoverMaxMs: number;
}

/** The relay whose /metrics counts the page's session. */
async function relayOf(relays: readonly ClusterProcess[]): Promise<ClusterProcess> {
  for (const r of relays) {
    if (!r.process) continue;
    if (metricValue(await r.metrics(), 'parley_sessions') === 1) return r;
  }
  throw new Error('the page is on no relay');
}

async function armLossClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { lostAt: number | null; armed?: boolean };
    w.lostAt = null;
    if (w.armed) return;
    w.armed = true;
    window.parley!.session.subscribe((s) => {
      if (w.lostAt === null && s.connection.status !== 'connected') w.lostAt = performance.now();
    });
  });
}

async function backMs(page: Page, roomId: string): Promise<number> {
  const handle = await page.waitForFunction(
    (room) => {
      const w = window as unknown as { lostAt: number | null };
      const s = window.parley!.session.state;
      return w.lostAt !== null && s.connection.status === 'connected' && s.roomId === room && s.voice.status === 'ready' ? performance.now() - w.lostAt : false;
    },
    roomId,
    { timeout: 60_000, polling: 20 },
  );
  return Math.round((await handle.jsonValue()) as number);
}

/** Runs `kills` rounds. */
export async function failover(kills = 3): Promise<FailoverTimes> {
  const cluster = await startProcessCluster(3);
  const browser = await launchBrowser();
  try {
    const page = await (await newProfile(browser)).newPage();
    const [r1] = cluster.relays as [ClusterProcess];
    await joinAs(page, await r1.bootstrapLink(), 'Bench');
    await page.waitForFunction(() => window.parley!.session.state.role === 'admin');
    await page.evaluate((root) => {
      window.parley!.session.dispatch({ type: 'tree-edit', edit: { kind: 'room.create', args: { roomId: 'bench', parentId: root, name: 'Bench', index: 0, description: '', userLimit: 0 } } as never });
    }, ROOT_ID);
    await page.waitForFunction(() => window.parley!.session.state.tree.pendingCount === 0 && window.parley!.session.state.rooms.some((r) => r.id === 'bench'));
    await page.evaluate(() => window.parley!.session.dispatch({ type: 'join-room', roomId: 'bench' }));
    await page.waitForFunction(() => window.parley!.session.state.roomId === 'bench' && window.parley!.session.state.voice.status === 'ready');
    const times: number[] = [];
    for (let i = 0; i < kills; i++) {
      const victim = await relayOf(cluster.relays);
      await armLossClock(page);
      await victim.kill();
      times.push(await backMs(page, 'bench'));
      await victim.start();
    }
    return { failoverMs: times, failoverMaxMs: Math.max(...times) };
  } finally {
    await browser.close();
    await cluster.close();
  }
}
