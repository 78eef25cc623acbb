/**
 * Certificate files in the relay's data folder (`<data>/tls/`): written
 * atomically (temp file + rename) with the key readable by the owner only.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PemPair } from './certs.ts';

/** Folder of the relay's certificates inside its data folder. */
export function tlsDir(dataDir: string): string {
  return join(dataDir, 'tls');
}

/** Reads `<dir>/<name>.crt` and `.key`; null when either is missing. */
export async function readStoredPair(dir: string, name: string): Promise<PemPair | null> {
  try {
    const [cert, key] = await Promise.all([readFile(join(dir, `${name}.crt`), 'utf8'), readFile(join(dir, `${name}.key`), 'utf8')]);
    return { cert, key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function writeAtomic(path: string, text: string, mode: number): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, { mode });
  await rename(temp, path);
}

/** Writes `<dir>/<name>.key` (mode 600) then `.crt`. */
export async function writeStoredPair(dir: string, name: string, pair: PemPair): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeAtomic(join(dir, `${name}.key`), pair.key, 0o600);
  await writeAtomic(join(dir, `${name}.crt`), pair.cert, 0o644);
}
