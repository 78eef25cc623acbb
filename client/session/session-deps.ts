/**
 * What a `Session` takes from the outside world: the relay address, the
 * identity, and the adapters (audio, sockets, timers, storage) that tests and
 * the page replace.
 */
import type { Signer } from '../../keys/index.ts';
import type { AudioEngine } from '../audio/types.ts';
import type { TreeCache } from './tree/index.ts';
import type { ChatPersistence } from './chat/index.ts';
import type { DeviceSource } from './voice/devices.ts';
import type { ReconnectPolicy } from './connection/reconnect-policy.ts';
import type { RelayPinStore } from './access/relay-pins.ts';
import type { RelayListStore } from './connection/relay-list.ts';
import type { SignalConnection, WebSocketFactory } from './connection/signal-connection.ts';
import type { SettingsStore } from './voice/voice-settings.ts';
import type { FilesPrefsStore } from './files-prefs.ts';
import type { VoiceTransport } from './voice/voice-transport.ts';

/** What a Session needs from the outside world. */
export interface SessionDeps {
  /** ws:// or wss:// URL of the relay's control socket (the home relay: pins, invites and caches are kept under it). */
  readonly url: string;
  /** Where the cluster's relay list (connection/relay-list.ts) persists. Default: in memory. */
  readonly relayLists?: RelayListStore;
  readonly signer: Signer;
  /** Fingerprint of the signer's key, shown in the UI. */
  readonly fingerprint: string;
  /** Creates the audio engine on first connect (inside the user gesture). */
  readonly createAudio: () => AudioEngine;
  readonly webSocket?: WebSocketFactory;
  readonly createVoiceTransport?: (send: SignalConnection['send']) => VoiceTransport;
  readonly reconnectPolicy?: ReconnectPolicy;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Pinned relay keys (trust on first use). Default: in memory. */
  readonly pins?: RelayPinStore;
  /** Signed invite bytes from the page's `#invite=` fragment, presented at sign-in until used. */
  readonly invite?: Uint8Array | null;
  /** Called once the invite was used or refused (the page forgets it). */
  readonly onInviteSettled?: () => void;
  /** Signed room invite bytes from the page's `#room-invite=` fragment, redeemed once after sign-in. */
  readonly roomInvite?: Uint8Array | null;
  /** Called once the room invite was answered (the page forgets it). */
  readonly onRoomInviteSettled?: () => void;
  /** Page URL admins' invite links start with. Default: the relay URL turned into http(s). */
  readonly inviteBaseUrl?: string;
  /** Wall clock, ms (invite expiry, loss-report ages). Default Date.now. */
  readonly now?: () => number;
  /** Room tree cache (IndexedDB in the page). Default: in memory. */
  readonly treeCache?: TreeCache;
  /** Where chat keeps its outbox and read marks. Default in memory (lost on reload). */
  readonly chatPersistence?: ChatPersistence;
  /** Where voice settings persist; default in memory (lost on reload). */
  readonly settingsStore?: SettingsStore;
  /** Audio device lists; default none (the panel offers only the system default). */
  readonly devices?: DeviceSource | null;
  /** Whether the browser can route output to a chosen device; default false. */
  readonly canChooseOutput?: boolean;
  /** Where file-sharing preferences persist (limit, relay-only, downloads to resume); default in memory. */
  readonly filesPrefs?: FilesPrefsStore;
  /** The browser's storage estimate for the storage panel (navigator.storage.estimate). */
  readonly storageEstimate?: () => Promise<StorageEstimate>;
}
