import { defineConfig } from 'vitest/config';

/**
 * Node-side tests: unit and integration (`test/**\/*.test.ts`) and end-to-end
 * tests that drive real headless Chromium against a real relay
 * (`test/e2e/**\/*.e2e.test.ts`). Component tests run in web-test-runner.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 30_000,
          // Vitest's default on a 2-core box is one worker (cores - 1), and most of these files wait
          // on real sockets, child processes and nats-server rather than compute: three workers take
          // the project from ~345 s to ~190 s on CI's box; four are no faster (docs/BENCHMARKS.md).
          maxWorkers: 3,
          // Files in one worker share its module cache (tsx-transformed relay, client, proto): imports
          // fell from ~150 s to ~22 s of the run. Safe because no module keeps state at module level
          // (docs/style.md); each file builds its own relays, clients and clocks.
          isolate: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/e2e/global-setup.ts'],
        },
      },
    ],
  },
});
