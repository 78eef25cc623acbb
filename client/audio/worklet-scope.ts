/**
 * Typed access to the AudioWorkletGlobalScope, for the two worklet entry
 * modules only. TypeScript's DOM lib does not describe this scope, and
 * declaring its globals (`currentTime`, `sampleRate`, ...) project-wide
 * would let main-thread code use them by mistake, so they are reached
 * through `audioWorkletScope()` instead.
 */

/** The instance side of `AudioWorkletProcessor`. */
export interface WorkletProcessorBase {
  readonly port: MessagePort;
}

/** A processor class as `registerProcessor` wants it. */
export type WorkletProcessorClass = new (options: AudioWorkletNodeOptions) => WorkletProcessorBase & {
  process(inputs: Float32Array[][], outputs: Float32Array[][], parameters: Record<string, Float32Array>): boolean;
};

/** The globals of AudioWorkletGlobalScope that Parley uses. */
export interface AudioWorkletScope {
  /** Audio clock of the block being processed, s. */
  readonly currentTime: number;
  /** Context sample rate, Hz. */
  readonly sampleRate: number;
  readonly AudioWorkletProcessor: new (options?: AudioWorkletNodeOptions) => WorkletProcessorBase;
  registerProcessor(name: string, processor: WorkletProcessorClass): void;
}

/** The current global scope, typed as an AudioWorkletGlobalScope. Only valid inside a worklet. */
export function audioWorkletScope(): AudioWorkletScope {
  return globalThis as unknown as AudioWorkletScope;
}

/**
 * Makes the scope survive Vite's default (classic, iife) worker build.
 *
 * That build rewrites `import.meta.url` to `self.location.href`, but an
 * AudioWorkletGlobalScope has neither `self` nor `location`. libopus-wasm
 * reads `import.meta.url` when it instantiates (only to locate side files it
 * does not have: its WASM is inlined), so without this the first
 * `createEncoder()` throws "self is not defined". Must run before libopus
 * instantiates; harmless in the ES-module dev build.
 */
export function shimScopeForBundledWorker(): void {
  const g = globalThis as { self?: unknown; location?: unknown };
  if (g.self === undefined) g.self = globalThis;
  if (g.location === undefined) g.location = { href: '' };
}
