/**
 * Builds the web client once before the end-to-end tests, so the relay
 * serves exactly what `npm start` would.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  if (process.env.PARLEY_E2E_SKIP_BUILD === '1') return;
  // vitest sets NODE_ENV=test, which would make Vite build a development
  // bundle (Lit dev mode, import.meta.env.DEV true, no service worker):
  // build exactly what `npm start` builds.
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
