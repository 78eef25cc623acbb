/**
 * Online backups. LevelDB is single-process, so a backup CLI cannot open the
 * data folder while the relay runs; instead the relay writes
 * `admin-endpoint.json` (port and a fresh random token, mode 0600) into the
 * data folder at start, and `GET /admin/backup` streams a snapshot to a
 * loopback client presenting that token. Whoever can read the data folder
 * may back it up; nobody else can.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { BackupEncoder } from './backup-format.ts';
import { bearerMatches, isLoopback } from './scrape-access.ts';

/** File in the data folder telling the CLI how to reach the running relay. */
export const ADMIN_ENDPOINT_FILE = 'admin-endpoint.json';
/** Path of the backup endpoint. */
export const BACKUP_PATH = '/admin/backup';

/** What `admin-endpoint.json` holds. */
export interface AdminEndpoint {
  readonly port: number;
  /** Address to connect to (loopback for a relay bound to all interfaces). */
  readonly host: string;
  readonly token: string;
  readonly pid: number;
}

/** A fresh admin token (never logged). */
export function newAdminToken(): string {
  return randomBytes(32).toString('hex');
}

/** Writes the endpoint file (0600); returns a function that removes it. */
export async function writeAdminEndpoint(dataDir: string, endpoint: AdminEndpoint): Promise<() => Promise<void>> {
  const path = join(dataDir, ADMIN_ENDPOINT_FILE);
  await writeFile(path, JSON.stringify(endpoint), { mode: 0o600 });
  return () => rm(path, { force: true });
}

/** Serves `GET /admin/backup`: loopback plus the token, else 403/401. */
export function serveBackup(req: IncomingMessage, res: ServerResponse, token: string, entries: () => AsyncIterable<readonly [Uint8Array, Uint8Array]>): void {
  const remote = (req.socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
  if (!isLoopback(remote)) {
    res.writeHead(403).end('backups are served to loopback clients only\n');
    return;
  }
  if (!bearerMatches(req.headers.authorization, token)) {
    res.writeHead(401).end('admin token required\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
  void (async () => {
    const enc = new BackupEncoder();
    try {
      for await (const [k, v] of entries()) for (const chunk of enc.entry(k, v)) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
      for (const chunk of enc.end()) res.write(chunk);
      res.end();
    } catch {
      // The checksum is missing, so the CLI refuses the partial file.
      res.destroy();
    }
  })();
}
