/**
 * Debian's `pebble` (Let's Encrypt's test ACME server) on loopback ports,
 * with its listener certificate made here (the package ships none).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSigned, splitNames } from '../../relay/tls/certs.ts';
import type { PemPair } from '../../relay/tls/certs.ts';
import { freePort } from './free-port.ts';

export const PEBBLE_PATH = process.env.PEBBLE_PATH ?? '/usr/bin/pebble';

/** Whether pebble is installed (`.ci/run` installs it). */
export const hasPebble = existsSync(PEBBLE_PATH);

export interface Pebble {
  readonly directoryUrl: string;
  /** Trust this for the connection to the directory. */
  readonly listenerCa: string;
  /** Its HTTPS certificate, to start another pebble the same clients trust. */
  readonly listener: PemPair;
  /** The root that signs issued certificates (regenerated at each pebble start). */
  root(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}


function getText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    })
      .once('error', reject)
      .end();
  });
}

/**
 * Starts pebble. `httpPort`: where it checks HTTP-01 answers (the relay's
 * HTTP-01 port); `alwaysValid` skips the checks.
 */
export async function startPebble(options: { httpPort: number; alwaysValid: boolean; listenPort?: number; listener?: PemPair }): Promise<Pebble> {
  if (!hasPebble) throw new Error(`pebble not found [path:${PEBBLE_PATH}]: apt-get install pebble (.ci/run does)`);
  const dir = await mkdtemp(join(tmpdir(), 'parley-pebble-'));
  const listener = options.listener ?? await createSelfSigned(splitNames(['localhost', '127.0.0.1']), Date.now(), 86_400_000);
  await writeFile(join(dir, 'cert.pem'), listener.cert);
  await writeFile(join(dir, 'key.pem'), listener.key);
  const port = options.listenPort ?? (await freePort());
  const mgmt = await freePort();
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: options.httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const child: ChildProcess = spawn(PEBBLE_PATH, ['-config', join(dir, 'config.json'), '-strict=false'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_VA_ALWAYS_VALID: options.alwaysValid ? '1' : '0',
    },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (out.includes('ACME directory available')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`pebble exited [code:${code}]\n${out}`)));
  });
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    listenerCa: listener.cert,
    listener,
    root: () => getText(`https://127.0.0.1:${mgmt}/roots/0`, listener.cert),
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
