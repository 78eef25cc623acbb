/**
 * File sharing loads lazily (issue 16: "the first page load must not grow by
 * more than 10 KB gzip"). Reads the production build that global-setup made
 * (Vite's manifest and each chunk's source map): of the file-sharing code
 * (client/files/, client/ui/files/, files/) the chunks the page loads before
 * anything is shared hold only small pure modules (what a chat message needs
 * to show a file card's button), attributed byte by byte through the source
 * maps; the transfer machinery is in chunks the page imports on demand. The
 * sizes are printed for the record.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decode } from '@jridgewell/sourcemap-codec';
import { describe, expect, it } from 'vitest';

const DIST = resolve('dist/client');
const REPO = resolve('.');

interface ManifestChunk {
  readonly file: string;
  readonly isEntry?: boolean;
  readonly imports?: readonly string[];
  readonly dynamicImports?: readonly string[];
  readonly css?: readonly string[];
}
type Manifest = Record<string, ManifestChunk>;

/** Manifest keys reachable from `start` through static imports (what loads with the page). */
function staticClosure(manifest: Manifest, start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const k of manifest[key]?.imports ?? []) visit(k);
  };
  visit(start);
  return seen;
}

/** Bytes of the minified `file` attributed to each module (repository-relative path), from its source map. */
async function bytesByModule(file: string): Promise<Map<string, number>> {
  const mapPath = join(DIST, `${file}.map`);
  const map = JSON.parse(await readFile(mapPath, 'utf8')) as { sources: string[]; mappings: string };
  const sources = map.sources.map((s) => relative(REPO, resolve(dirname(mapPath), s)));
  const lines = (await readFile(join(DIST, file), 'utf8')).split('\n');
  const out = new Map<string, number>();
  decode(map.mappings).forEach((segments, line) => {
    const length = lines[line]?.length ?? 0;
    segments.forEach((seg, i) => {
      if (seg.length < 4) return; // a segment without a source: bundler glue
      const end = segments[i + 1]?.[0] ?? length;
      const path = sources[seg[1]!]!;
      out.set(path, (out.get(path) ?? 0) + Math.max(0, end - seg[0]));
    });
  });
  return out;
}

const modulesOf = async (file: string): Promise<string[]> => [...(await bytesByModule(file)).keys()];

/** The file-sharing machinery, which must load on demand. */
const isFilesModule = (path: string): boolean => /^(client\/files|client\/ui\/files|files)\//.test(path);
/** The glue the page needs to offer sharing at all (commands, the link that loads the rest, drop handling). */
const isFilesGlue = (path: string): boolean => /^client\/(session\/files-[a-z-]+|ui\/file-[a-z-]+)\.ts$/.test(path);
const gzipBytes = async (file: string): Promise<number> => gzipSync(await readFile(join(DIST, file))).byteLength;

describe('the first page load', () => {
  it('carries none of the file-sharing code; that code loads on demand', async () => {
    const manifest = JSON.parse(await readFile(join(DIST, '.vite/manifest.json'), 'utf8')) as Manifest;
    expect(manifest['index.html']?.isEntry).toBe(true);
    const first = staticClosure(manifest, 'index.html');
    const firstFiles = [...first].map((k) => manifest[k]!.file);
    const attributed = await Promise.all(firstFiles.map(bytesByModule));
    const firstModules = attributed.flatMap((m) => [...m.keys()]);
    expect(firstModules.some((m) => m.startsWith('client/ui/'))).toBe(true); // the maps resolve to our sources
    const filesInFirst = new Map<string, number>();
    for (const m of attributed) for (const [path, n] of m) if (isFilesModule(path)) filesInFirst.set(path, (filesInFirst.get(path) ?? 0) + n);
    // Only the pure card-decision module, and far below the 10 KB budget (minified bytes bound its gzip size).
    expect([...filesInFirst.keys()].every((p) => p === 'client/files/file-offer.ts')).toBe(true);
    const filesFirstBytes = [...filesInFirst.values()].reduce((a, b) => a + b, 0);
    let glueBytes = 0;
    for (const m of attributed) for (const [path, n] of m) if (isFilesGlue(path)) glueBytes += n;
    expect(glueBytes).toBeGreaterThan(0); // the glue is found, so the sum below means something
    // All the feature adds to the first load, minified (its gzip is smaller), within the 10 KB.
    expect(filesFirstBytes + glueBytes).toBeLessThan(10_240);
    console.log(`first load: files modules ${filesFirstBytes} B + glue ${glueBytes} B minified`);

    // The file-sharing modules are in chunks outside the first load, reached by dynamic imports.
    const lazy = Object.keys(manifest).filter((k) => !first.has(k) && k !== 'sw.ts');
    const lazyFiles: string[] = [];
    for (const k of lazy) if ((await modulesOf(manifest[k]!.file)).some(isFilesModule)) lazyFiles.push(manifest[k]!.file);
    expect(lazyFiles.length).toBeGreaterThan(0);
    const dynamic = new Set([...first].flatMap((k) => manifest[k]!.dynamicImports ?? []));
    expect(lazy.filter((k) => lazyFiles.includes(manifest[k]!.file)).some((k) => dynamic.has(k))).toBe(true);

    const firstCss = [...first].flatMap((k) => manifest[k]!.css ?? []);
    const sum = async (files: readonly string[]) => (await Promise.all(files.map(gzipBytes))).reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ filesModulesInFirstLoadBytes: filesFirstBytes, filesGlueInFirstLoadBytes: glueBytes, firstLoadJsGzip: await sum(firstFiles), firstLoadCssGzip: await sum(firstCss), filesLazyGzip: await sum(lazyFiles) }));
  });
});
