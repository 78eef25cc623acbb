/**
 * The one AudioWorklet module of the engine: registers the capture and the
 * playback processor. Both live in one module so the bundled worklet carries
 * libopus-wasm (~440 kB, WASM inlined) once and the scope instantiates it
 * once, instead of once per processor.
 *
 * Loaded by engine.ts via `import url from './audio.worklet.ts?worker&url'`
 * and `audioWorklet.addModule(url)`. Must not import DOM-only modules.
 */
import { registerCaptureProcessor } from './capture-processor.ts';
import { registerPlaybackProcessor } from './playback-processor.ts';
import { audioWorkletScope, shimScopeForBundledWorker } from './worklet-scope.ts';

shimScopeForBundledWorker();
const scope = audioWorkletScope();
registerCaptureProcessor(scope);
registerPlaybackProcessor(scope);
