/**
 * The voice load report: the pure summary of two stats snapshots, and a real
 * relay emitting `voice-load` (and logging it) while voice flows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeVoice } from '../../../proto/index.ts';
import { createRelay, DATAGRAM_DROP_REASONS, loadSummary } from '../../../relay/index.ts';
import type { RelayStats } from '../../../relay/index.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay, waitForEvent } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

function snapshot(forwarded: number, bundled: number, drops: Partial<Record<(typeof DATAGRAM_DROP_REASONS)[number], number>> = {}): RelayStats {
  const datagrams = Object.fromEntries(DATAGRAM_DROP_REASONS.map((r) => [r, drops[r] ?? 0])) as RelayStats['datagrams'];
  return { frames: {} as RelayStats['frames'], datagrams, forwarded, bundled, voiceWorkers: [], controlSend: { peakBufferedBytes: 0, slowDowns: 0, slowReadersClosed: 0, largestFrameBytes: 0, oversizedFrames: 0 } };
}

describe('loadSummary', () => {
  it('gives rates, the bundled share and the drops of the interval only', () => {
    const load = loadSummary(snapshot(1_000, 100, { stale: 5 }), snapshot(61_000, 6_100, { stale: 8, 'rate-limited': 2 }), 60);
    expect(load).toEqual({ seconds: 60, forwardedPerSec: 1_000, bundledPct: 10, drops: { stale: 3, 'rate-limited': 2 } });
  });

  it('is null for an interval without voice or drops', () => {
    expect(loadSummary(snapshot(500, 0, { muted: 1 }), snapshot(500, 0, { muted: 1 }), 60)).toBeNull();
  });

  it('reports drops alone (everyone muted, a flood refused)', () => {
    expect(loadSummary(snapshot(0, 0), snapshot(0, 0, { 'rate-limited': 40 }), 10)).toEqual({ seconds: 10, forwardedPerSec: 0, bundledPct: 0, drops: { 'rate-limited': 40 } });
  });
});

describe('voice-load on a real relay', () => {
  let started: StartedRelay;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    started = await startRelay({ loadReportIntervalMs: 100, limits: { maxDatagramAgeMs: 0 } });
    [a, b] = await Promise.all([connectClient(started.relay.wsUrl, { name: 'A' }), connectClient(started.relay.wsUrl, { name: 'B' })]);
    await Promise.all([a.openVoice(), b.openVoice()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await started?.cleanup();
  });

  it('reports what was forwarded while voice flows, and logs it', async () => {
    const report = waitForEvent(started.relay, 'voice-load', (l) => l.forwardedPerSec > 0);
    for (let seq = 0; seq < 10; seq++) a.sendDatagram(encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(1, 2, 3) }));
    for (let i = 0; i < 10; i++) await b.nextDatagram();
    const load = await report;
    expect(load.forwardedPerSec).toBeGreaterThan(0);
    expect(load.bundledPct).toBeGreaterThanOrEqual(0);
    await expect.poll(() => started.logs.some((l) => /^info voice load \[forwarded:\d+\/s, bundled:[\d.]+%, drops:none, over:[\d.]+s\]$/.test(l))).toBe(true);
  });

  it('refuses a negative interval', async () => {
    // Options are checked before anything touches the disk.
    await expect(createRelay({ port: 0, dataDir: '/nonexistent/parley-never-created', loadReportIntervalMs: -1 })).rejects.toMatchObject({ code: 'invalid-options' });
  });
});
