/**
 * Large-file benchmark (issue 16, D118/D119): one 2 GiB file (seeded bytes on
 * disk, SHA-256 by node:crypto) shared from one real Chromium profile to
 * another, browser to browser on loopback, through the real app and a real
 * relay process. Measures:
 *  - prepareMs / prepareMBps: the Share input's change until the sharer's
 *    transfer is complete (chunking, hashing, OPFS writes, signing);
 *  - pairMs / pairMBps: Download click until the receiver's transfer is complete;
 *  - assembleForSaveMs: the receiver's Save assembling the Blob from its store;
 *  - saveMs and allCorrect: the browser's download of it, and its SHA-256;
 *  - peak JS heap (DevTools Runtime.getHeapUsage, sampled every second on
 *    both pages) and each renderer's peak resident memory (/proc VmHWM).
 * Prints one JSON object.
 *
 *   npm run bench:files -- --large [--mb 2048] [--profile DIR]
 *
 * `--profile DIR` writes a V8 CPU profile of each page over the download
 * (DIR/sharer.cpuprofile, DIR/receiver.cpuprofile): where the pair's time goes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumArgs, joinAs } from '../../test/e2e/browser.ts';
import { fileCard, chatPanel, setQuotaMb, transferOf } from '../../test/e2e/file-pages.ts';
import { peakRendererBytes, resetPeak, writeLargeFile } from '../../test/e2e/large-file/rig.ts';
import { freePort, startRelayProcess } from '../../test/e2e/relay-process.ts';

const MiB = 1024 * 1024;

/**
 * One user's browser with its own profile folder on disk. Not a Playwright
 * context of one browser: those are off the record, and Chromium keeps an
 * off-the-record profile's storage in memory with a small quota, so a 2 GiB
 * share is refused there ("The browser refused to store more"), as it would
 * be in a user's private window; a normal profile's quota is a share of the
 * disk.
 */
async function profileOnDisk(dir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: chromiumArgs(undefined, ['--enable-precise-memory-info']),
    acceptDownloads: true,
  });
  await context.grantPermissions(['microphone']);
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/** Pids of this machine's Chromium renderers (the benchmark runs alone: they are its two browsers'). */
function rendererPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmd = (() => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmd.includes('chromium') && cmd.includes('--type=renderer')) pids.push(Number(name));
  }
  return pids;
}

const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Largest JS heap seen on `pages` while `run` runs (sampled each second: a measurement, not a wait). */
async function sampleHeap<T>(pages: readonly Page[], run: () => Promise<T>): Promise<{ result: T; peakHeapBytes: number }> {
  const sessions = await Promise.all(pages.map((p) => p.context().newCDPSession(p)));
  let peak = 0;
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      for (const s of sessions) {
        const u = (await s.send('Runtime.getHeapUsage').catch(() => null)) as { usedSize: number } | null;
        if (u) peak = Math.max(peak, u.usedSize);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  try {
    return { result: await run(), peakHeapBytes: peak };
  } finally {
    stop = true;
    await sampler;
    await Promise.all(sessions.map((s) => s.detach().catch(() => {})));
  }
}

/** Starts a V8 CPU profile of each page; `stop` writes them as DIR/<name>.cpuprofile. */
async function profilePages(pages: Record<string, Page>): Promise<{ stop(dir: string): Promise<void> }> {
  const sessions = await Promise.all(
    Object.entries(pages).map(async ([name, p]) => {
      const cdp = await p.context().newCDPSession(p);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
      return { name, cdp };
    }),
  );
  return {
    async stop(dir) {
      mkdirSync(dir, { recursive: true });
      for (const { name, cdp } of sessions) {
        const { profile } = await cdp.send('Profiler.stop');
        writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
        await cdp.detach().catch(() => {});
      }
    },
  };
}

/** What the page's list of shares being prepared says (its shadow root's text; a string, so tsx adds no helpers to it). */
const outgoingText = (p: Page): Promise<string> =>
  p.evaluate(`(() => {
    const find = (root) => { const hit = root.querySelector('parley-file-outgoing'); if (hit) return hit; for (const el of root.querySelectorAll('*')) { const r = el.shadowRoot && find(el.shadowRoot); if (r) return r; } return null; };
    const el = find(document);
    return el ? (el.shadowRoot ?? el).textContent.replace(/\\s+/g, ' ').trim().slice(0, 200) : '';
  })()`);

/**
 * Resolves when the page's only transfer reaches `status` (checked each
 * second); every 10 s says on stderr where it is (the transfer's progress, or
 * what the page shows while there is no transfer yet: a share being prepared
 * or refused), so a run that stalls says where.
 */
async function untilStatus(p: Page, status: string, label: string): Promise<void> {
  for (let i = 1; ; i++) {
    const t = await transferOf(p);
    if (t?.status === status) return;
    if (t?.status === 'failed') throw new Error(`${label}: transfer failed [code:${t.error}]`);
    if (i % 10 === 0) {
      const shown = t ? `${t.status} ${t.progress?.heldChunks ?? '?'}/${t.progress?.totalChunks ?? '?'} chunks` : `no transfer yet; outgoing: ${JSON.stringify(await outgoingText(p))}`;
      process.stderr.write(`[bench:files --large] ${label} after ${i} s: ${shown}\n`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function fileSha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const d of createReadStream(path)) h.update(d as Buffer);
  return h.digest('hex');
}

/** Runs the large-file benchmark of `mb` MiB and prints its JSON line. */
export async function runLarge(mb: number, profileDir: string | null = null): Promise<void> {
  const size = mb * MiB;
  if (!existsSync(new URL('../../dist/client/index.html', import.meta.url))) {
    execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  }
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-large-'));
  mkdirSync(join(dir, 'relay'));
  const contexts: BrowserContext[] = [];
  const relay = await startRelayProcess(['--port', String(await freePort())], { dataDir: join(dir, 'relay') });
  try {
    const path = join(dir, 'large.bin');
    const sha = await writeLargeFile(path, size, 11);
    const sharer = await profileOnDisk(join(dir, 'profile-a'));
    const receiver = await profileOnDisk(join(dir, 'profile-b'));
    contexts.push(sharer.context, receiver.context);
    const a = sharer.page;
    const b = receiver.page;
    await joinAs(a, relay.url, 'Ana');
    await joinAs(b, relay.url, 'Bo');
    // The limit must hold the file and its hash blocks on both sides, whatever the default is.
    await setQuotaMb(a, mb + 64);
    await setQuotaMb(b, mb + 64);

    await resetPeak(rendererPids);
    const t0 = performance.now();
    const prep = await sampleHeap([a], async () => {
      await chatPanel(a).locator('#share-input').setInputFiles(path, { timeout: 600_000 });
      await untilStatus(a, 'complete', 'prepare');
    });
    const prepareMs = performance.now() - t0;
    // Phase lines on stderr, so a run stopped part way still tells what it measured.
    process.stderr.write(`[bench:files --large] prepare ${mb} MiB: ${Math.round(prepareMs)} ms\n`);
    const prepPeak = await peakRendererBytes(rendererPids);
    const chunkSize = (await transferOf(a))!.progress!.totalBytes / (await transferOf(a))!.progress!.totalChunks;

    const download = fileCard(b).getByRole('button', { name: 'Download large.bin' });
    await download.waitFor({ timeout: 600_000 });
    await resetPeak(rendererPids);
    const profiler = profileDir ? await profilePages({ sharer: a, receiver: b }) : null;
    const t1 = performance.now();
    const pair = await sampleHeap([a, b], async () => {
      await download.click();
      await untilStatus(b, 'complete', 'download');
    });
    const pairMs = performance.now() - t1;
    if (profiler && profileDir) await profiler.stop(profileDir);
    process.stderr.write(`[bench:files --large] pair: ${Math.round(pairMs)} ms\n`);
    const pairPeak = await peakRendererBytes(rendererPids);

    await resetPeak(rendererPids);
    const t2 = performance.now();
    const [dl, assembleForSaveMs] = await Promise.all([
      b.waitForEvent('download', { timeout: 600_000 }),
      b.evaluate(async () => {
        const files = window.parley!.session.files;
        const id = [...files.state!.files.keys()][0]!;
        const s = performance.now();
        const blob = await files.command({ type: 'file-save', fileId: id });
        const ms = performance.now() - s;
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob!);
        link.download = 'saved.bin';
        link.click();
        return ms;
      }),
    ]);
    const saved = join(dir, 'saved.bin');
    await dl.saveAs(saved);
    const saveMs = performance.now() - t2;
    const savePeak = await peakRendererBytes(rendererPids);
    const allCorrect = (await fileSha(saved)) === sha;

    const result = {
      bench: 'files-large',
      fileMB: mb,
      chunkKiB: Math.round(chunkSize / 1024),
      allCorrect,
      prepareMs: Math.round(prepareMs),
      prepareMBps: round(mb / (prepareMs / 1000)),
      pairMs: Math.round(pairMs),
      pairMBps: round(mb / (pairMs / 1000)),
      assembleForSaveMs: Math.round(assembleForSaveMs),
      saveMs: Math.round(saveMs),
      peakJsHeapMB: round(Math.max(prep.peakHeapBytes, pair.peakHeapBytes) / MiB),
      rendererPeakRssMB: { prepare: round(prepPeak.peak / MiB), pair: round(pairPeak.peak / MiB), save: round(savePeak.peak / MiB) },
      loadAverage1m: round(loadavg()[0]!, 2),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
