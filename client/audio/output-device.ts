/**
 * Output-device routing through `AudioContext.setSinkId` (Chromium 110+).
 * Where it is missing (Firefox, Safari at the time of writing) the page
 * cannot choose the speaker: the system setting decides, and the UI says so.
 */
import { AudioEngineError } from './types.ts';

type SinkContext = AudioContext & { setSinkId?: (id: string) => Promise<void> };

/** Whether this browser lets a page pick the output device of an AudioContext. */
export function canChooseOutputDevice(): boolean {
  return typeof AudioContext !== 'undefined' && typeof (AudioContext.prototype as SinkContext).setSinkId === 'function';
}

/**
 * Routes `ctx` to `deviceId` (null = system default). Rejects with
 * `output-device-unsupported` (no setSinkId; choosing the default is then a
 * no-op) or `output-device-failed` (device gone or refused).
 */
export async function routeOutput(ctx: AudioContext, deviceId: string | null): Promise<void> {
  const sink = ctx as SinkContext;
  if (typeof sink.setSinkId !== 'function') {
    if (deviceId === null) return;
    throw new AudioEngineError('output-device-unsupported', 'this browser cannot choose the output device [missing:AudioContext.setSinkId]');
  }
  try {
    await sink.setSinkId(deviceId ?? '');
  } catch (error) {
    throw new AudioEngineError('output-device-failed', `output device refused [name:${(error as Error).name}]`, { cause: error });
  }
}
