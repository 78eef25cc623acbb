/**
 * The admin command line, for the shell of the machine the relay runs on:
 *
 *   npm run relay -- admin grant <fingerprint|key> <admin|member|guest>
 *   npm run relay -- admin list
 *   npm run relay -- ban list
 *   npm run relay -- ban lift <fingerprint|key>
 *
 * It edits the data folder directly, so the relay must be stopped: LevelDB
 * lets one process open a folder, and a running relay holds it. A key is
 * named by its 64 hex digits or by the fingerprint users see in their
 * identity panel (looked up among the keys this relay knows).
 */
import { stat } from 'node:fs/promises';
import { fingerprint } from '../../keys/fingerprint.ts';
import { RelayError } from '../errors.ts';
import { Store } from '../storage/store.ts';
import { AccessRecords } from './records.ts';
import type { StoredRole } from './records.ts';

/** Where the CLI writes, and its clock (injected for tests). */
export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly now: () => number;
}

export const CLI_USAGE = `usage:
  relay/main.ts [--data DIR] admin grant <fingerprint|key> <admin|member|guest>
  relay/main.ts [--data DIR] admin list
  relay/main.ts [--data DIR] ban list
  relay/main.ts [--data DIR] ban lift <fingerprint|key>`;

/** True when `argv` (the positionals) is a CLI command rather than "start the relay". */
export function isCliCommand(positionals: readonly string[]): boolean {
  return positionals[0] === 'admin' || positionals[0] === 'ban';
}

class CliError extends Error {}

async function resolveKey(who: string, store: Store, records: AccessRecords): Promise<string> {
  const text = who.trim().toLowerCase();
  if (/^[0-9a-f]{64}$/.test(text)) return text;
  const wanted = text.replace(/-/g, '');
  if (!/^[a-z2-7]{16}$/.test(wanted)) throw new CliError(`not a key or fingerprint: ${who} (a key is 64 hex digits, a fingerprint looks like abcd-efgh-ijkl-mnop)`);
  const known = new Set<string>([...[...store.users()].map((u) => u.publicKeyHex), ...records.roles().map(([k]) => k), ...records.bans(0).map(([k]) => k)]);
  const matches: string[] = [];
  for (const keyHex of known) {
    if ((await fingerprint(Buffer.from(keyHex, 'hex'))).replace(/-/g, '') === wanted) matches.push(keyHex);
  }
  if (matches.length === 0) throw new CliError(`no key this relay knows has fingerprint ${who}; pass the full 64-hex key instead`);
  if (matches.length > 1) throw new CliError(`fingerprint ${who} matches several keys; pass the full 64-hex key instead`);
  return matches[0]!;
}

async function describeKey(keyHex: string, store: Store): Promise<string> {
  const name = store.user(keyHex)?.displayName;
  return `${await fingerprint(Buffer.from(keyHex, 'hex'))}  ${keyHex}${name ? `  ${JSON.stringify(name)}` : ''}`;
}

async function run(args: readonly string[], store: Store, records: AccessRecords, io: CliIo): Promise<void> {
  const [group, command, ...rest] = args;
  if (group === 'admin' && command === 'grant' && rest.length === 2) {
    const role = rest[1]!.toLowerCase();
    if (role !== 'admin' && role !== 'member' && role !== 'guest') throw new CliError(`role must be admin, member or guest (got ${rest[1]})`);
    const keyHex = await resolveKey(rest[0]!, store, records);
    await records.setRole(keyHex, role === 'guest' ? undefined : (role as StoredRole), 'cli', io.now());
    io.out(`${role === 'guest' ? 'removed the role of' : `granted ${role} to`} ${await describeKey(keyHex, store)}`);
    return;
  }
  if (group === 'admin' && command === 'list' && rest.length === 0) {
    const roles = records.roles();
    if (roles.length === 0) io.out('no stored roles (every key is a guest)');
    for (const [keyHex, r] of roles) io.out(`${r.role.padEnd(6)}  ${await describeKey(keyHex, store)}`);
    return;
  }
  if (group === 'ban' && command === 'list' && rest.length === 0) {
    const bans = records.bans(io.now());
    if (bans.length === 0) io.out('no bans in force');
    for (const [keyHex, b] of bans) {
      const until = b.untilMs === 0 ? 'until lifted' : `until ${new Date(b.untilMs).toISOString()}`;
      io.out(`${until}  ${await describeKey(keyHex, store)}${b.reason ? `  reason: ${JSON.stringify(b.reason)}` : ''}`);
    }
    return;
  }
  if (group === 'ban' && command === 'lift' && rest.length === 1) {
    const keyHex = await resolveKey(rest[0]!, store, records);
    if (!(await records.liftBan(keyHex))) throw new CliError(`${rest[0]} is not banned`);
    io.out(`lifted the ban on ${await describeKey(keyHex, store)}`);
    return;
  }
  throw new CliError(CLI_USAGE);
}

/** Runs one CLI command against the data folder `dataDir`. Resolves with the process exit code. */
export async function runAdminCli(args: readonly string[], dataDir: string, io: CliIo): Promise<number> {
  const exists = await stat(dataDir).then((s) => s.isDirectory(), () => false);
  if (!exists) {
    io.err(`no relay data folder at ${dataDir} (start the relay once, or pass --data DIR)`);
    return 1;
  }
  let store: Store;
  try {
    store = await Store.open(dataDir, (error) => io.err(`write failed: ${String(error)}`));
  } catch (error) {
    if (error instanceof RelayError && error.reason === 'locked') {
      io.err(`the data folder ${dataDir} is in use by a running relay. Stop the relay first: LevelDB lets only one process open it.`);
      return 1;
    }
    throw error;
  }
  try {
    await run(args, store, await AccessRecords.open(store), io);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(error.message);
    return 2;
  } finally {
    await store.close();
  }
}
