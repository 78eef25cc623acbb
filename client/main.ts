/**
 * Browser entry: loads (or creates) the identity key, picks up an invite
 * from the URL fragment, builds the Session with its real adapters, and
 * mounts <parley-app>.
 */
import { fingerprint, loadIdentity, toHex } from '../keys/index.ts';
import { fromBase64Url, parseInviteFragment, parseRoomInviteFragment, toBase64Url } from '../proto/index.ts';
import { createIdentityActions } from './identity-actions.ts';
import { markSignIn } from './sign-in-marks.ts';
import { browserDeviceSource, idbChatPersistence, localStorageFilesPrefsStore, localStorageSettingsStore, memoryPins, memoryRelayLists, Session, storagePins, storageRelayLists } from './session/index.ts';
import { memoryTreeCache, openIdbTreeCache } from './session/tree/index.ts';
import type { RelayListStore, RelayPinStore } from './session/index.ts';
import { canChooseOutputDevice, createAudioEngine } from './audio/index.ts';
import type { ParleyAudioEngine } from './audio/index.ts';
import './ui/index.ts';
import type { ParleyPageSecurity } from './ui/index.ts';

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

const INVITE_KEY = 'parley.invite';
const ROOM_INVITE_KEY = 'parley.room-invite';

/** The same for a `#room-invite=` fragment (taken first: taking `#invite=` clears the address bar's fragment). */
function takeRoomInvite(): Uint8Array | null {
  const found = parseRoomInviteFragment(location.hash);
  if (found) {
    history.replaceState(null, '', location.pathname + location.search);
    if (found.ok) {
      try {
        sessionStorage.setItem(ROOM_INVITE_KEY, toBase64Url(found.value));
      } catch {
        return found.value;
      }
    }
  }
  try {
    const kept = sessionStorage.getItem(ROOM_INVITE_KEY);
    return kept ? fromBase64Url(kept) : null;
  } catch {
    return null;
  }
}

/**
 * Moves an `#invite=` fragment into this tab's sessionStorage and out of the
 * address bar (so it is not bookmarked, shared on screen or reused by a
 * reload after it was spent), and returns the pending invite, if any.
 */
function takeInvite(): Uint8Array | null {
  const found = parseInviteFragment(location.hash);
  if (found) {
    history.replaceState(null, '', location.pathname + location.search);
    if (found.ok) {
      try {
        sessionStorage.setItem(INVITE_KEY, toBase64Url(found.value));
      } catch {
        return found.value;
      }
    }
  }
  try {
    const kept = sessionStorage.getItem(INVITE_KEY);
    return kept ? fromBase64Url(kept) : null;
  } catch {
    return null;
  }
}

/** Relay key pins in localStorage; in memory where the browser refuses storage (some private modes throw on access). */
function relayPins(): RelayPinStore {
  try {
    return storagePins(localStorage);
  } catch {
    return memoryPins();
  }
}

/** The cluster's relay lists in localStorage (connection/relay-list.ts); in memory where storage is refused. */
function relayLists(): RelayListStore {
  try {
    return storageRelayLists(localStorage);
  } catch {
    return memoryRelayLists();
  }
}

async function boot(): Promise<void> {
  const app = document.querySelector('parley-app');
  if (!app) return;
  const identity = await loadIdentity();
  const signer = identity.signer;
  const fp = await fingerprint(signer.publicKey);
  const handle: ParleyDebugHandle = { session: null as unknown as Session, audio: null, voiceReadyAt: null };
  // The last known room tree and queued offline edits; in memory where IndexedDB is refused.
  const treeCache = await openIdbTreeCache(relayUrl()).catch(() => memoryTreeCache());
  const roomInvite = takeRoomInvite();
  const session = new Session({
    url: relayUrl(),
    treeCache,
    signer,
    fingerprint: fp,
    settingsStore: localStorageSettingsStore(localStorage),
    filesPrefs: localStorageFilesPrefsStore(localStorage),
    ...(navigator.storage?.estimate ? { storageEstimate: () => navigator.storage.estimate() } : {}),
    devices: browserDeviceSource(),
    canChooseOutput: canChooseOutputDevice(),
    pins: relayPins(),
    relayLists: relayLists(),
    invite: takeInvite(),
    onInviteSettled: () => {
      try {
        sessionStorage.removeItem(INVITE_KEY);
      } catch {
        // nothing kept
      }
    },
    inviteBaseUrl: `${location.origin}${location.pathname}`,
    roomInvite,
    onRoomInviteSettled: () => {
      try {
        sessionStorage.removeItem(ROOM_INVITE_KEY);
      } catch {
        // nothing kept
      }
    },
    // One chat database per identity: the outbox holds items signed with this
    // key, and an imported or reset identity must not inherit them (or read marks).
    chatPersistence: idbChatPersistence(`parley-chat-${toHex(signer.publicKey).slice(0, 16)}`),
    createAudio: () => {
      const audio = createAudioEngine();
      handle.audio = audio;
      return audio;
    },
  });
  handle.session = session;
  markSignIn((l) => session.subscribe(l));
  session.subscribe((s) => {
    if (handle.voiceReadyAt === null && s.voice.status === 'ready') handle.voiceReadyAt = performance.now();
  });
  window.parley = handle;
  app.identity = createIdentityActions(identity, { reload: () => location.reload() });
  app.session = session;
}

/**
 * Registers the service worker that keeps the app shell for offline opening
 * (built as /sw.js; absent in the Vite dev server, where this is a no-op).
 */
function registerServiceWorker(onRefused: () => void): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register('./sw.js').catch((e: unknown) => {
    console.warn('offline support unavailable', e);
    onRefused();
  });
}

/** The "voice needs HTTPS" / "offline needs a trusted certificate" banner (client/ui/secure-page.ts). */
function showPageSecurity(): () => void {
  const banner = document.createElement('parley-page-security') as ParleyPageSecurity;
  const page = { secure: window.isSecureContext, https: location.protocol === 'https:', offlineRefused: false };
  banner.page = page;
  document.body.prepend(banner);
  // The relay's CA page exists only with --tls ca; offer it while the page is not trusted yet.
  const caUrl = new URL('/ca', location.href).href;
  const offerCa = (): void => {
    // /ca.crt, not /ca: unknown extension-less paths get the app's index.html.
    fetch(new URL('/ca.crt', location.href), { method: 'HEAD' })
      .then((r) => {
        if (r.ok && r.headers.get('content-type') === 'application/x-x509-ca-cert') banner.caPage = caUrl;
      })
      .catch(() => {});
  };
  if (!page.secure) offerCa();
  return () => {
    banner.page = { ...page, offlineRefused: true };
    offerCa();
  };
}

registerServiceWorker(showPageSecurity());
boot().catch((e) => {
  console.error('Parley failed to start', e);
  document.body.insertAdjacentHTML('afterbegin', '<p role="alert" style="padding:1rem">Parley could not start in this browser. See the console for details.</p>');
});
