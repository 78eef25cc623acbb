/**
 * Room placement with the real web client: a real nats-server, three relay
 * PROCESSES and two real Chromiums. Ana opens relay 1's page, Bo relay 2's;
 * both enter the same room. Relay 1 holds the room's lease, so relay 2 sends
 * Bo a RoomPlacement and his page moves to relay 1 by itself (no user
 * action), back in the room with voice; Bo hears Ana's tone there, with both
 * on relay 1 and relay 1 holding one room lease (/metrics). Then relay 1
 * gets `kill -9`: the pages fail over to the next relays of their own lists
 * (different ones), relay 1's lease expires, a survivor takes the room and
 * steers the other page to it; both end on one relay and Bo hears Ana again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinAs, launchBrowser, newProfile, recordOutput } from './browser.ts';
import { sine, writeWav } from '../helpers/wav.ts';
import { peakHz } from '../helpers/tone-analysis.ts';
import { hasNatsServer } from '../helpers/nats-server.ts';
import { metricValue, startProcessCluster } from '../helpers/relay-process-cluster.ts';
import type { ClusterProcess, ProcessCluster } from '../helpers/relay-process-cluster.ts';

const TONE_HZ = 440;
const ROOM = 'quiet';

/** Signed-in sessions and room leases each live relay reports. */
async function where(relays: readonly ClusterProcess[]): Promise<string> {
  const parts: string[] = [];
  for (const r of relays) {
    if (!r.process) continue;
    const text = await r.metrics();
    parts.push(`${r.id}:${metricValue(text, 'parley_sessions')}/${metricValue(text, 'parley_cluster_room_leases')}`);
  }
  return parts.join(' ');
}

async function inRoomWithVoice(p: Page): Promise<void> {
  await p.waitForFunction((room) => {
    const s = window.parley!.session.state;
    return s.connection.status === 'connected' && s.roomId === room && s.voice.status === 'ready';
  }, ROOM, { timeout: 60_000, polling: 100 });
}

describe.runIf(hasNatsServer)('room placement with real browsers', () => {
  let cluster: ProcessCluster;
  let browsers: Browser[] = [];
  let ana: Page;
  let bo: Page;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-placement-e2e-'));
    const tone = writeWav(join(dir, 'tone.wav'), sine(TONE_HZ, 10, 0.5));
    const silence = writeWav(join(dir, 'silence.wav'), new Float32Array(48_000 * 10));
    cluster = await startProcessCluster(3);
    browsers = await Promise.all([launchBrowser(tone), launchBrowser(silence)]);
    ana = await (await newProfile(browsers[0]!)).newPage();
    bo = await (await newProfile(browsers[1]!)).newPage();
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a page in a room another relay holds moves there by itself; after kill -9 of the holder both end together again', async () => {
    const [r1, r2, r3] = cluster.relays as [ClusterProcess, ClusterProcess, ClusterProcess];
    await joinAs(ana, r1.pageUrl, 'Ana');
    await ana.evaluate((room) => window.parley!.session.dispatch({ type: 'join-room', roomId: room }), ROOM);
    await inRoomWithVoice(ana);
    await expect.poll(async () => metricValue(await r1.metrics(), 'parley_cluster_room_leases'), { timeout: 30_000 }).toBe(1);

    await joinAs(bo, r2.pageUrl, 'Bo');
    await bo.evaluate((room) => window.parley!.session.dispatch({ type: 'join-room', roomId: room }), ROOM);
    // Relay 2 steers Bo to relay 1; his page reconnects there and asks for the room again.
    await expect.poll(() => where(cluster.relays), { timeout: 60_000 }).toBe('r1:2/1 r2:0/0 r3:0/0');
    await inRoomWithVoice(bo);
    await expect.poll(async () => peakHz(await recordOutput(bo, 1500)), { timeout: 30_000 }).toBe(TONE_HZ);

    await r1.kill();
    // Each page fails over to the next relay of its own list, then placement brings them together.
    await expect.poll(async () => {
      const text = await where(cluster.relays);
      return /r2:2\/1 r3:0\/0|r2:0\/0 r3:2\/1/.test(text) ? 'together' : text;
    }, { timeout: 90_000 }).toBe('together');
    await Promise.all([inRoomWithVoice(ana), inRoomWithVoice(bo)]);
    await expect.poll(async () => peakHz(await recordOutput(bo, 1500)), { timeout: 30_000 }).toBe(TONE_HZ);
    void r3;
  });
});
