// Component tests in real headless Chromium (Debian's /usr/bin/chromium,
// driven by Playwright). Test files: test/client/**/*_test.ts (mocha TDD UI).
import { playwrightLauncher } from '@web/test-runner-playwright';
import { esbuildPlugin } from '@web/dev-server-esbuild';

const chromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Host ICE candidates as plain addresses, not mDNS names: two PeerConnections in one page
  // (voice-transport_test.ts) otherwise depend on multicast name resolution, which a CI box may lack.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export default {
  files: ['test/client/**/*_test.ts', 'test/keys/**/*_test.ts'],
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  testFramework: { config: { ui: 'tdd', timeout: 20000 } },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: chromiumArgs },
    }),
  ],
};
