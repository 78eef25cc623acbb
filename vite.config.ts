import { defineConfig } from 'vite';

/**
 * Builds the web client from client/ into dist/client, which the relay
 * serves. `npm run dev` proxies the control socket to a relay on :8080.
 */
export default defineConfig({
  root: 'client',
  base: './',
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Lists which chunks load with the page and which load later; test/e2e/first-load.e2e.test.ts reads it.
    manifest: true,
    rollupOptions: {
      // The service worker must sit at the site root under a fixed name so it
      // can control the whole app; everything else gets hashed names.
      input: { index: 'client/index.html', sw: 'client/sw.ts' },
      output: { entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js') },
      onwarn(warning, warn) {
        // libopus-wasm's Emscripten glue has a Node branch that imports
        // node:module; it never runs in the browser, so the externalisation
        // warning is noise.
        if (warning.message.includes('"node:module" has been externalized')) return;
        warn(warning);
      },
    },
  },
  worker: { format: 'es' },
  server: {
    proxy: { '/ws': { target: 'ws://localhost:8080', ws: true } },
  },
});
