/**
 * What the UI knows about one shared file before any byte arrives: the
 * manifest's visible fields, who sent it, and whether anyone online can give
 * it to us. Pure types and the one rule that says what a card should offer.
 */
import type { TransferView } from './file-transfer.ts';

/** A file shared in a conversation, as the chat log shows it. */
export interface FileOffer {
  /** Hex id of the file (its manifest's root hash). */
  readonly fileId: string;
  readonly name: string;
  readonly size: number;
  /** MIME type as the sender's browser named it ('' when unknown). */
  readonly type: string;
  readonly senderName: string;
  /** Shared by this user. */
  readonly own: boolean;
  /** Still in the outbox (offline, or not yet accepted by the relay). */
  readonly pending: boolean;
}

/**
 * Whether the file can be fetched now:
 * - `available`: someone online holds chunks and a path to them exists;
 * - `nobody-online`: nobody who has it is online;
 * - `no-path`: holders are online, but no direct connection works and the admin turned the relay fallback off;
 * - `unknown`: not asked yet (offline, or the tracker has not answered).
 */
export type FileAvailability = 'available' | 'nobody-online' | 'no-path' | 'unknown';

/** Largest file the client offers to share (the issue asks for at least 2 GB). */
export const MAX_SHARE_BYTES = 4 * 1024 ** 3;

/** What the card's main action is. */
export type CardAction = 'download' | 'cancel' | 'save' | 'retry' | 'none';

/** The main action for a file in this state (pure; the card renders it). */
export function cardAction(offer: FileOffer, transfer: TransferView | null): CardAction {
  if (offer.own) return transfer?.status === 'complete' || transfer === null ? 'save' : 'none';
  switch (transfer?.status ?? 'idle') {
    case 'idle':
    case 'cancelled':
      return 'download';
    case 'loading':
      return 'none';
    case 'waiting':
    case 'downloading':
      return 'cancel';
    case 'complete':
      return 'save';
    case 'failed':
      return 'retry';
  }
}

/** True when an image should start downloading without a click (under the user's size limit). */
export function shouldAutoDownload(offer: FileOffer, autoImageBytes: number): boolean {
  return !offer.own && offer.type.startsWith('image/') && offer.size <= autoImageBytes;
}
