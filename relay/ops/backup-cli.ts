/**
 * `backup FILE` (asks the running relay for a snapshot) and `restore FILE`
 * (into an empty data folder, relay stopped). Both verify the whole file
 * before they write anything.
 */
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { ADMIN_ENDPOINT_FILE, BACKUP_PATH } from './backup-endpoint.ts';
import type { AdminEndpoint } from './backup-endpoint.ts';
import { BackupError, decodeBackup } from './backup-format.ts';

/** Output of the commands (lines for people). */
export interface BackupIo {
  out(line: string): void;
  err(line: string): void;
}

function fetchBackup(endpoint: AdminEndpoint): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const req = request({ host: endpoint.host, port: endpoint.port, path: BACKUP_PATH, headers: { authorization: `Bearer ${endpoint.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(new Uint8Array(Buffer.concat(chunks))) : reject(new Error(`relay answered ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Writes a consistent copy of the running relay's data folder to `file`. Returns the exit code. */
export async function runBackup(dataDir: string, file: string, io: BackupIo): Promise<number> {
  let endpoint: AdminEndpoint;
  try {
    endpoint = JSON.parse(await readFile(join(dataDir, ADMIN_ENDPOINT_FILE), 'utf8')) as AdminEndpoint;
  } catch {
    io.err(`no running relay found [data:${dataDir}] (stopped? then copy the folder itself)`);
    return 1;
  }
  try {
    const bytes = await fetchBackup(endpoint);
    const entries = decodeBackup(bytes);
    const tmp = `${file}.partial`;
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, file);
    io.out(`backup written [file:${file}, entries:${entries.length}, bytes:${bytes.byteLength}]`);
    return 0;
  } catch (error) {
    io.err(`backup failed [error:${error instanceof Error ? error.message : String(error)}]`);
    return 1;
  }
}

/** Restores `file` into `dataDir`, which must be missing or empty. Returns the exit code. */
export async function runRestore(file: string, dataDir: string, io: BackupIo): Promise<number> {
  const existing = await readdir(dataDir).catch(() => [] as string[]);
  if (existing.length > 0) {
    io.err(`restore needs an empty data folder [data:${dataDir}, files:${existing.length}]`);
    return 2;
  }
  let entries: Array<[Uint8Array, Uint8Array]>;
  try {
    entries = decodeBackup(new Uint8Array(await readFile(file)));
  } catch (error) {
    io.err(error instanceof BackupError ? `backup refused [code:${error.code}] ${error.message}` : `cannot read backup [file:${file}]`);
    return 1;
  }
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dataDir, { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    for (let i = 0; i < entries.length; i += 1_000) await db.batch(entries.slice(i, i + 1_000).map(([key, value]) => ({ type: 'put' as const, key, value })));
  } finally {
    await db.close();
  }
  io.out(`restored [data:${dataDir}, entries:${entries.length}]`);
  return 0;
}
