/**
 * Watches a provided certificate and key (`--tls-cert`, `--tls-key`). It
 * watches their folders, not the files: editors and certbot replace files
 * by rename or through symlinks, which a file watch loses. Changes are
 * debounced so that a cert and key written one after the other are read
 * together.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { PemPair } from './certs.ts';

/** Reads both files; rejects when either cannot be read. */
export async function readPair(certFile: string, keyFile: string): Promise<PemPair> {
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { cert, key };
}

/** Calls `onChange` (debounced by `debounceMs`) after anything touches either file. Returns the stop function. */
export function watchPairFiles(certFile: string, keyFile: string, debounceMs: number, onChange: () => void): () => void {
  const files = new Set([resolve(certFile), resolve(keyFile)]);
  const names = new Set([...files].map((f) => basename(f)));
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  const poke = (_event: string, name: string | Buffer | null): void => {
    // A null name (some platforms) may be our file: check anyway.
    if (name !== null && !names.has(String(name))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  for (const dir of new Set([...files].map((f) => dirname(f)))) {
    const watcher = watch(dir, { persistent: false }, poke);
    // A folder that goes away stops the watch; the relay keeps its certificate.
    watcher.on('error', () => watcher.close());
    watchers.push(watcher);
  }
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
