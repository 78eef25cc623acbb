/**
 * Browser entry: loads (or creates) the identity key, builds the Session
 * with its real adapters, and mounts <parley-app>.
 */
import { fingerprint, loadOrCreateIdentity } from '../keys/index.ts';
import { Session, browserDeviceSource, localStorageSettingsStore } from './session/index.ts';
import { canChooseOutputDevice, createAudioEngine } from './audio/index.ts';
import type { ParleyAudioEngine } from './audio/index.ts';
import './ui/index.ts';

/** Debug / test handle on window: the session and the live audio engine. */
export interface ParleyDebugHandle {
  session: Session;
  audio: ParleyAudioEngine | null;
  /** performance.now() when voice first became ready after load. */
  voiceReadyAt: number | null;
}

declare global {
  interface Window {
    parley?: ParleyDebugHandle;
  }
}

function relayUrl(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/ws`;
}

async function boot(): Promise<void> {
  const app = document.querySelector('parley-app');
  if (!app) return;
  const signer = await loadOrCreateIdentity();
  const fp = await fingerprint(signer.publicKey);
  const handle: ParleyDebugHandle = { session: null as unknown as Session, audio: null, voiceReadyAt: null };
  const session = new Session({
    url: relayUrl(),
    signer,
    fingerprint: fp,
    settingsStore: localStorageSettingsStore(localStorage),
    devices: browserDeviceSource(),
    canChooseOutput: canChooseOutputDevice(),
    createAudio: () => {
      const audio = createAudioEngine();
      handle.audio = audio;
      return audio;
    },
  });
  handle.session = session;
  session.subscribe((s) => {
    if (handle.voiceReadyAt === null && s.voice.status === 'ready') handle.voiceReadyAt = performance.now();
  });
  window.parley = handle;
  app.session = session;
}

boot().catch((e) => {
  console.error('Parley failed to start', e);
  document.body.insertAdjacentHTML('afterbegin', '<p role="alert" style="padding:1rem">Parley could not start in this browser. See the console for details.</p>');
});
