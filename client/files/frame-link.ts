/**
 * One reliable, ordered byte-frame link to one peer for one file: a WebRTC
 * DataChannel ({@link dataChannelLink}) or the relay fallback. Sending waits
 * while the channel's buffer is above the high-water mark and resumes on
 * `bufferedamountlow`, so a fast sender never queues a whole file in memory.
 */

/** A link the transfer engine sends frames on. */
export interface FrameLink {
  /** Which path carries the bytes (shown in the UI). */
  readonly path: 'direct' | 'relay';
  /** Bytes queued and not yet sent (diagnostics; undefined where the transport cannot tell). */
  readonly bufferedAmount?: number;
  /** Resolves once the frame is handed to the transport (after waiting for buffer room). */
  send(frame: Uint8Array): Promise<void>;
  /** Called for every frame received. */
  onFrame: ((frame: Uint8Array) => void) | null;
  /** Called once when the link closes, for whatever reason. */
  onClose: (() => void) | null;
  close(): void;
}

/** The part of RTCDataChannel the link uses (a test passes a real one). */
export interface DataChannelLike {
  readonly readyState: RTCDataChannelState;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: BinaryType;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
  addEventListener(type: 'bufferedamountlow' | 'close' | 'open', fn: () => void): void;
  removeEventListener(type: 'bufferedamountlow', fn: () => void): void;
}

/** Buffer level above which `send` waits: large enough to fill a fast path, small enough to stay responsive. */
export const HIGH_WATER = 1024 * 1024;
/** Level at which sending resumes. */
export const LOW_WATER = 256 * 1024;

/** Wraps an open (or opening) reliable ordered DataChannel. */
export function dataChannelLink(channel: DataChannelLike): FrameLink {
  channel.binaryType = 'arraybuffer';
  channel.bufferedAmountLowThreshold = LOW_WATER;
  let closed = false;
  const link: FrameLink = {
    path: 'direct',
    onFrame: null,
    onClose: null,
    get bufferedAmount() {
      return channel.bufferedAmount;
    },
    async send(frame) {
      if (channel.readyState === 'connecting') await new Promise<void>((resolve) => channel.addEventListener('open', () => resolve()));
      while (channel.bufferedAmount > HIGH_WATER && channel.readyState === 'open') {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            channel.removeEventListener('bufferedamountlow', done);
            resolve();
          };
          channel.addEventListener('bufferedamountlow', done);
          channel.addEventListener('close', done);
        });
      }
      if (channel.readyState !== 'open') throw new Error('channel closed');
      channel.send(frame as Uint8Array<ArrayBuffer>);
    },
    close() {
      channel.close();
    },
  };
  channel.addEventListener('message', (e) => {
    if (e.data instanceof ArrayBuffer) link.onFrame?.(new Uint8Array(e.data));
  });
  channel.addEventListener('close', () => {
    if (closed) return;
    closed = true;
    link.onClose?.();
  });
  return link;
}
