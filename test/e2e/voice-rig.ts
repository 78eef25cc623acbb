/**
 * The two-browser voice rig shared by the voice e2e tests: a relay process,
 * one Chromium whose fake microphone plays a tone and one whose microphone
 * is silent (both WAVs the test generates, in a temp dir), and one close().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { startRelayProcess } from './relay-process.ts';
import type { RelayProcess } from './relay-process.ts';
import { writeWav } from '../helpers/wav.ts';

/** What {@link startVoiceRig} started. */
export interface VoiceRig {
  readonly relay: RelayProcess;
  /** Its microphone plays the tone. */
  readonly toneBrowser: Browser;
  /** Its microphone is silent. */
  readonly quietBrowser: Browser;
  /** Closes the browsers and the relay, and deletes the WAVs. */
  close(): Promise<void>;
}

/** Writes the WAVs (temp dir named with `prefix`), starts the relay (with `relayArgs`) and both browsers. */
export async function startVoiceRig(prefix: string, tone: Float32Array, silenceSeconds: number, relayArgs: string[] = []): Promise<VoiceRig> {
  const wavDir = mkdtempSync(join(tmpdir(), prefix));
  let relay: RelayProcess | undefined;
  let browsers: Browser[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(browsers.map((b) => b.close()));
    await relay?.stop();
    rmSync(wavDir, { recursive: true, force: true });
  };
  try {
    const toneWav = writeWav(join(wavDir, 'tone.wav'), tone);
    const silenceWav = writeWav(join(wavDir, 'silence.wav'), new Float32Array(48_000 * silenceSeconds));
    relay = await startRelayProcess(relayArgs);
    browsers = await Promise.all([launchBrowser(toneWav), launchBrowser(silenceWav)]);
    return { relay, toneBrowser: browsers[0]!, quietBrowser: browsers[1]!, close };
  } catch (e) {
    await close();
    throw e;
  }
}
