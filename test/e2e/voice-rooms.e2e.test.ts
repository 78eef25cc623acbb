/**
 * Walking skeleton, end to end with no mocks on the path: a real relay
 * process, three headless Chromium pages with their own identities, real
 * getUserMedia (fake device playing a generated WAV), real Opus, real WebRTC
 * DataChannels to node-datachannel, real playback. We analyse what B's and
 * C's audio outputs actually played.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { newProfile, joinAs, recordOutput, sessionSnapshot } from './browser.ts';
import type { JoinTimings } from './browser.ts';
import type { RelayProcess } from './relay-process.ts';
import { startVoiceRig } from './voice-rig.ts';
import type { VoiceRig } from './voice-rig.ts';
import { sine } from '../helpers/wav.ts';
import { peakHz, rms, windowedToneDominance } from '../helpers/tone-analysis.ts';

const TONE_HZ = 440;

describe('two browsers talk in a room through the relay', () => {
  let rig: VoiceRig;
  let relay: RelayProcess;
  let a: Page, b: Page, c: Page;
  const timings: JoinTimings[] = [];
  let rssWith3KiB = 0;

  beforeAll(async () => {
    rig = await startVoiceRig('parley-wav-', sine(TONE_HZ, 10, 0.5), 10);
    relay = rig.relay;
    a = await (await newProfile(rig.toneBrowser)).newPage();
    b = await (await newProfile(rig.quietBrowser)).newPage();
    c = await (await newProfile(rig.quietBrowser)).newPage();
    timings.push(await joinAs(a, relay.url, 'Ana'));
    timings.push(await joinAs(b, relay.url, 'Bo'));
    timings.push(await joinAs(c, relay.url, 'Cy'));
    rssWith3KiB = relay.rssKiB();
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('everyone lands in Lobby and sees the others live', async () => {
    await b.waitForFunction(() => window.parley!.session.state.users.length === 3);
    const snap = await sessionSnapshot(b);
    expect(snap.status).toBe('connected');
    expect(snap.roomId).toBe('lobby');
    expect(snap.users.map((u) => u.name).sort()).toEqual(['Ana', 'Bo', 'Cy']);
    expect(snap.users.every((u) => u.roomId === 'lobby')).toBe(true);
    // The room list on screen shows the three names too.
    await expect.poll(() => b.locator('parley-room-list [data-room-id="lobby"] .user').count()).toBe(3);
  });

  it('C moves to Quiet room and the others see it without reload', async () => {
    await c.locator('parley-room-list [data-room-id="quiet"] .room-button').click();
    await c.waitForFunction(() => window.parley!.session.state.roomId === 'quiet');
    const cId = (await sessionSnapshot(c)).selfSessionId;
    await a.waitForFunction((id) => window.parley!.session.state.users.find((u) => u.sessionId === id)?.roomId === 'quiet', cId);
    await expect.poll(() => a.locator('parley-room-list [data-room-id="quiet"] .user').count()).toBe(1);
  });

  it("B hears A's tone; C in another room hears nothing", async () => {
    const aId = (await sessionSnapshot(a)).selfSessionId!;
    // Wait until B's playback reports A as talking: voice is flowing.
    await b.waitForFunction((id) => window.parley!.session.state.talking.has(id), aId, { timeout: 20_000 });
    const [heardB, heardC] = await Promise.all([recordOutput(b, 2000), recordOutput(c, 2000)]);
    expect(heardB.length).toBeGreaterThan(48_000);
    expect(rms(heardB)).toBeGreaterThan(0.02);
    // What B played is A's tone: its strongest frequency, and most of its power
    // in most 100 ms windows (a clean sine gives 0.5; a playout clock slightly
    // off 48 kHz or a few concealed frames on a starved CPU move single
    // windows, not the median; other sounds would not put the peak at 440 Hz).
    expect(peakHz(heardB)).toBe(TONE_HZ);
    expect(windowedToneDominance(heardB, TONE_HZ)).toBeGreaterThan(0.2);
    expect(rms(heardC)).toBeLessThan(0.001);
    // B's UI lights A's talking indicator.
    await expect.poll(() => b.locator(`parley-room-list [data-session-id="${aId}"].talking`).count()).toBe(1);
  });

  it('muting A stops what B hears, and B sees A muted', async () => {
    const aId = (await sessionSnapshot(a)).selfSessionId!;
    await a.locator('parley-voice-bar button[aria-keyshortcuts="M"]').click();
    await b.waitForFunction((id) => window.parley!.session.state.users.find((u) => u.sessionId === id)?.muted === true, aId);
    await b.waitForFunction((id) => !window.parley!.session.state.talking.has(id), aId, { timeout: 10_000 });
    const heard = await recordOutput(b, 1000);
    expect(rms(heard)).toBeLessThan(0.001);
    await a.locator('parley-voice-bar button[aria-keyshortcuts="M"]').click();
    await b.waitForFunction((id) => window.parley!.session.state.talking.has(id), aId, { timeout: 20_000 });
  });

  it('C hears A after moving back to Lobby; leaving shows up live', async () => {
    await c.locator('parley-room-list [data-room-id="lobby"] .room-button').click();
    const aId = (await sessionSnapshot(a)).selfSessionId!;
    await c.waitForFunction((id) => window.parley!.session.state.talking.has(id), aId, { timeout: 20_000 });
    const heard = await recordOutput(c, 1500);
    expect(peakHz(heard)).toBe(TONE_HZ);
    expect(windowedToneDominance(heard, TONE_HZ)).toBeGreaterThan(0.2);
    const cId = (await sessionSnapshot(c)).selfSessionId;
    await c.close();
    await b.waitForFunction((id) => !window.parley!.session.state.users.some((u) => u.sessionId === id), cId);
    expect((await sessionSnapshot(b)).users.map((u) => u.name).sort()).toEqual(['Ana', 'Bo']);
  });

  it('reports timings and relay memory', () => {
    console.log(JSON.stringify({ joinTimings: timings, relayRssKiBWith3Clients: rssWith3KiB }));
    expect(rssWith3KiB).toBeGreaterThan(0);
    expect(timings.every((t) => t.clickToVoiceReadyMs > 0)).toBe(true);
  });
});
