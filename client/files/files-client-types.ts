/** The public types of a FilesClient (files-client.ts): its adapters and the state it shows. */
import type { EnvelopeInit, FileManifest } from '../../proto/index.ts';
import type { BoundedChunkStore, StorageUse } from './chunk-store.ts';
import type { TransferView } from './file-transfer.ts';
import type { FileAvailability } from './file-offer.ts';
import type { DescriptionContext } from './signed-description.ts';
import type { WantedDownloads } from './wanted-downloads.ts';

/** One file as the UI sees it. */
export interface FileEntryView {
  readonly transfer: TransferView | null;
  readonly availability: FileAvailability;
  /** Object URL of the complete file for previews and Save, or null. */
  readonly url: string | null;
  /** The author stopped sharing it. */
  readonly stopped: boolean;
}

/** What the UI shows of file sharing. */
export interface FilesState {
  readonly files: ReadonlyMap<string, FileEntryView>;
  readonly use: StorageUse;
}

/** Adapters of a {@link FilesClient}. */
export interface FilesClientDeps extends DescriptionContext {
  readonly store: BoundedChunkStore;
  readonly send: (msg: EnvelopeInit) => boolean;
  /** Posts the chat item that carries a manifest (chat's `chat-send-file`). */
  readonly postFile: (conversation: string, text: string, id: Uint8Array, file: FileManifest) => void;
  readonly now: () => number;
  readonly onChange: (state: FilesState) => void;
  /** ICE servers and policy; `{ iceServers: [], iceTransportPolicy: 'relay' }` makes every direct connection fail (the relay carries). Changed later with `setRtcConfig`. */
  readonly rtcConfig?: RTCConfiguration;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  readonly createObjectUrl?: (blob: Blob) => string;
  /** Default: in memory (a reload forgets what was being downloaded). */
  readonly wanted?: WantedDownloads;
  /** The clock of the connect deadline (peer-connection.ts), the batched announcements and the stalled re-ask. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}
