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
