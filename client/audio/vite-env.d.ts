// Vite's client types: `import url from './x.worklet.ts?worker&url'` is a string URL of the bundled worklet.
/// <reference types="vite/client" />
