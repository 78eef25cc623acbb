/**
 * `npm run bench:scale -- [--json] [--sessions N] [--rooms N] [--loaders N] [--relay-prof DIR] [--page-prof DIR] [--no-slow-reader]`:
 * sign-in at organisation scale (issue 12). One relay process; N signed-in
 * sessions (no voice; 32-character, 64-byte names) from a few load child
 * processes with the real handshake; an admin creates the rooms with
 * 500-character descriptions through signed ops; then a new headless
 * Chromium signs in and we time click-on-Connect to everything shown (every
 * room and every person in the DOM). Prints one JSON object:
 *
 *   signInMs             click -> all rooms and people rendered
 *   signInMarks          the client's sign-in marks, ms after the click (where the time went)
 *   largestFrameBytes    largest control frame the relay sent (relay stats)
 *   rssPerIdleSessionKB  relay RSS growth from the sessions / sessions
 *   rampMs               how long the load children took to sign all sessions in
 *   slowReader*          the slow-reader probe (slow-reader.ts; its own relay, run last):
 *                        slowReaderRssGrowthMB, closed, close code, time to close;
 *                        slowReaderRetainedMB is the same growth with a full GC every
 *                        250 ms in that relay (gc-often.mjs): what is kept, not garbage
 *
 * Needs a built client (`npm run build`). Defaults: 5,000 sessions, 2,000 rooms, 4 loaders.
 */
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import type { OpIntent } from '../../crdt/index.ts';
import { OpClient } from '../../test/helpers/ops.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import { launchBrowser, newProfile } from '../../test/e2e/browser.ts';
import { rssKiB } from '../relay/proc-stats.ts';
import type { LoadOrder } from './load-child.ts';
import { runSlowReader } from './slow-reader.ts';

const STATIC_DIR = fileURLToPath(new URL('../../dist/client/', import.meta.url));

if (process.argv[2] === 'relay') {
  const { startRelay } = await import('../../test/helpers/start-relay.ts');
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  // Sign-in bursts from one address: the control budget, the per-address connection cap and the HTTP and auth deadlines (a busy box) are not what is measured.
  const started = await startRelay({ guests: 'allow', logger: quiet, staticDir: STATIC_DIR, limits: { controlBurst: 1e9, controlPerSecond: 1e9, opBurst: 1e9, opPerSecond: 1e9, authTimeoutMs: 300_000, httpHeadersTimeoutMs: 300_000, httpRequestTimeoutMs: 300_000, maxConnectionsPerAddress: 1e6 } });
  process.send!({ wsUrl: started.relay.wsUrl, invite: [...started.relay.bootstrapInvite!] });
  process.on('message', (m) => {
    if (m === 'stats') process.send!({ largestFrameBytes: started.relay.stats().controlSend.largestFrameBytes });
  });
  process.on('disconnect', () => void started.cleanup().then(() => process.exit(0)));
} else {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean' },
      sessions: { type: 'string' },
      rooms: { type: 'string' },
      loaders: { type: 'string' },
      // Writes a V8 CPU profile of the relay process into this folder (open it in Chromium DevTools).
      'relay-prof': { type: 'string' },
      // Writes the new browser's CPU profile (page.cpuprofile) and a Chromium trace (page-trace.json) of the sign-in into this folder.
      'page-prof': { type: 'string' },
      'no-slow-reader': { type: 'boolean' },
    },
  });
  const sessions = Number(values.sessions ?? 5000);
  const roomCount = Number(values.rooms ?? 2000);
  const loaders = Number(values.loaders ?? 4);
  if (!existsSync(STATIC_DIR)) throw new Error('no built client: run `npm run build` first');
  const log = (line: string): void => void process.stderr.write(`[bench:scale] ${line}\n`);

  const profArgs = values['relay-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['relay-prof']}`] : [];
  const relay = fork(fileURLToPath(import.meta.url), ['relay'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...profArgs] });
  const { wsUrl, invite } = await new Promise<{ wsUrl: string; invite: number[] }>((r) => relay.once('message', (m) => r(m as { wsUrl: string; invite: number[] })));
  const httpUrl = wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/');

  // Rooms, as an admin, 50 signed creates a frame (a frame of SubmitOps must fit 64 KiB too).
  const admin = new OpClient(await connectClient(wsUrl, { name: 'Bench admin', invite: new Uint8Array(invite), timeoutMs: 120_000 }));
  const creates: OpIntent[] = Array.from({ length: roomCount }, (_, i) => ({
    kind: 'room.create',
    args: { roomId: `room-${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: `${i} `.padEnd(500, 'd'), userLimit: 0 },
  }));
  for (let i = 0; i < creates.length; i += 50) {
    const results = await admin.submit(creates.slice(i, i + 50).map((c) => admin.sign(c)), 120_000);
    const bad = results.find((r) => r.code !== 0);
    if (bad) throw new Error(`room create refused: ${bad.reason}`);
  }
  log(`${roomCount} rooms created`);

  // Sessions from `loaders` children; relay RSS before and after.
  const rssBefore = rssKiB(relay.pid!);
  const started = Date.now();
  const children = Array.from({ length: loaders }, () => fork(fileURLToPath(new URL('./load-child.ts', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  const per = Math.ceil(sessions / loaders);
  await Promise.all(
    children.map(
      (child, k) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', (m: { ready?: number; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve()));
          const order: LoadOrder = { wsUrl, first: k * per, count: Math.max(0, Math.min(per, sessions - k * per)), concurrency: 10 };
          child.send(order);
        }),
    ),
  );
  const rssAfter = rssKiB(relay.pid!);
  const rampMs = Date.now() - started;
  log(`${sessions} sessions signed in in ${rampMs} ms`);

  // A new browser signs in: click -> every room and person in the DOM.
  const browser = await launchBrowser();
  const page = await (await newProfile(browser)).newPage();
  await page.goto(httpUrl);
  await page.locator('parley-connect-form #name').fill('Newcomer');
  const wantRooms = roomCount + 3;
  const wantPeople = sessions + 2;
  const pageProf = values['page-prof'] ? await startPageProfile(browser, page) : undefined;
  const clickAt = await page.evaluate(() => performance.now());
  await page.locator('parley-connect-form button[type="submit"]').click();
  // A string, not a function: tsx would wrap a function's inner helpers in names the page does not have.
  // Rooms and people are all rendered in parley-room-list's shadow root: find it once (walking the
  // shadow roots only until it exists), then count there each frame; the counts prove they are in the DOM.
  const shownAt = await page.waitForFunction(
    `(() => {
      const find = (root) => {
        const hit = root.querySelector('parley-room-list');
        if (hit) return hit;
        for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
        return null;
      };
      const list = globalThis.__benchList?.isConnected ? globalThis.__benchList : (globalThis.__benchList = find(document));
      const root = list?.shadowRoot;
      return root && root.querySelectorAll('li.room').length >= ${wantRooms} && root.querySelectorAll('li.user').length >= ${wantPeople} ? performance.now() : false;
    })()`,
    undefined,
    { timeout: 120_000, polling: 'raf' },
  );
  const signInMs = Math.round((await shownAt.jsonValue()) as number - clickAt);
  const signInMarks = await signInBreakdown(page, clickAt);
  if (pageProf && values['page-prof']) await pageProf.stop(values['page-prof']);
  await browser.close();

  const largestFrameBytes = await new Promise<number>((resolve) => {
    relay.once('message', (m) => resolve((m as { largestFrameBytes: number }).largestFrameBytes));
    relay.send('stats');
  });
  for (const c of children) c.disconnect();
  await admin.client.close();
  relay.disconnect();

  // The slow reader (slow-reader.ts) runs its own relay, after this one is gone, so neither measurement loads the other.
  const slow = values['no-slow-reader'] ? {} : await slowReaderFields();
  const result = {
    sessions,
    rooms: roomCount,
    signInMs,
    signInMarks,
    largestFrameBytes,
    rssPerIdleSessionKB: Math.round(((rssAfter - rssBefore) / sessions) * 10) / 10,
    relayRssMB: Math.round(rssAfter / 1024),
    rampMs,
    ...slow,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', memGB: Math.round(totalmem() / 2 ** 30) },
  };
  console.log(values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
}

/**
 * The client's own sign-in marks (performance.mark, client/session/sign-in-marks.ts),
 * ms after the click: where the sign-in's time went.
 */
async function signInBreakdown(page: Page, clickAt: number): Promise<Record<string, number>> {
  const marks = (await page.evaluate(`performance.getEntriesByType('mark').map((m) => [m.name, m.startTime])`)) as Array<[string, number]>;
  return Object.fromEntries(marks.filter(([name, at]) => name.startsWith('parley:') && at >= clickAt).map(([name, at]) => [name.slice(7), Math.round(at - clickAt)]));
}

/** Starts a V8 CPU profile of the page (over CDP) and a Chromium trace; `stop` writes both into `dir`. */
async function startPageProfile(browser: Browser, page: Page): Promise<{ stop(dir: string): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await browser.startTracing(page, { categories: ['devtools.timeline', 'blink', 'v8'] });
  return {
    async stop(dir) {
      mkdirSync(dir, { recursive: true });
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(join(dir, 'page.cpuprofile'), JSON.stringify(profile));
      writeFileSync(join(dir, 'page-trace.json'), await browser.stopTracing());
    },
  };
}

/** The slow-reader probe's numbers under names of their own in the one JSON object. */
async function slowReaderFields(): Promise<Record<string, number | boolean | null>> {
  const r = await runSlowReader();
  // The same load against a relay that collects garbage every 250 ms: what the relay keeps for the reader.
  const kept = await runSlowReader({ relayNodeArgs: ['--expose-gc', '--import', fileURLToPath(new URL('./gc-often.mjs', import.meta.url))] });
  return {
    slowReaderRetainedMB: kept.slowReaderRssGrowthMB,
    slowReaderRssGrowthMB: r.slowReaderRssGrowthMB,
    slowReaderClosed: r.closed,
    slowReaderCloseCode: r.closeCode,
    slowReaderClosedAfterMs: r.closedAfterMs,
    slowReaderRequestsSent: r.requestsSent,
  };
}
