/**
 * What one message on a relay link costs the sending relay's event loop:
 * `sendMessageBinary` on an unordered, no-retransmit node-datachannel channel
 * runs SCTP, DTLS and the UDP send on the calling thread, so its cost is paid
 * in the relay's JavaScript turn. Two real PeerConnections on loopback in this
 * process (the same settings as relay-links.ts); a burst of ten 78-byte
 * FORWARDED frames sent as ten messages, then as one bundle of the same ten.
 * Medians of many bursts, µs per burst.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { encodeBundle, encodeForwarded } from '../../proto/index.ts';
import { monoMs } from './proc-stats.ts';

/** What {@link measureLinkSend} reports. */
export interface LinkSendResult {
  readonly bursts: number;
  /** Ten frames as ten messages, µs per burst (median / p99). */
  readonly tenMessagesUs: { readonly p50: number; readonly p99: number };
  /** The same ten as one bundle, µs per burst (median / p99), packing included. */
  readonly oneBundleUs: { readonly p50: number; readonly p99: number };
}

function gathered(pc: PeerConnection): Promise<string> {
  return new Promise((resolve) => {
    const done = (): void => {
      const d = pc.localDescription();
      if (d && pc.gatheringState() === 'complete') resolve(d.sdp);
    };
    pc.onGatheringStateChange(done);
    done();
  });
}

async function pair(): Promise<{ a: PeerConnection; b: PeerConnection; tx: DataChannel; rx: () => number; close: () => void }> {
  const a = new nodeDataChannel.PeerConnection('bench-a', { iceServers: [] });
  const b = new nodeDataChannel.PeerConnection('bench-b', { iceServers: [] });
  let received = 0;
  let rxChannel: DataChannel | null = null;
  b.onDataChannel((dc) => {
    rxChannel = dc;
    dc.onMessage(() => void received++);
  });
  const tx = a.createDataChannel('relay-voice', { unordered: true, maxRetransmits: 0 });
  const opened = new Promise<void>((r) => tx.onOpen(() => r()));
  b.setRemoteDescription(await gathered(a), 'offer');
  a.setRemoteDescription(await gathered(b), 'answer');
  await opened;
  return {
    a,
    b,
    tx,
    rx: () => received,
    close: () => {
      tx.close();
      (rxChannel as DataChannel | null)?.close();
      a.close();
      b.close();
    },
  };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 1000).toFixed(1));
};

/** See the module comment; `bursts` of each kind, interleaved, with a pause for the receiver between them. */
export async function measureLinkSend(bursts = 2_000): Promise<LinkSendResult> {
  const link = await pair();
  try {
    const frames = Array.from({ length: 10 }, (_, i) => encodeForwarded({ sender: i, room: 1, seq: 0, ts: 0, flags: 0, payload: new Uint8Array(60) }));
    const ten: number[] = [];
    const one: number[] = [];
    for (let i = 0; i < bursts; i++) {
      let t = monoMs();
      for (const f of frames) link.tx.sendMessageBinary(f);
      ten.push(monoMs() - t);
      t = monoMs();
      link.tx.sendMessageBinary(encodeBundle(frames));
      one.push(monoMs() - t);
      // Let the receiver's callbacks run, as the 20 ms between bursts would.
      await new Promise((r) => setImmediate(r));
    }
    return { bursts, tenMessagesUs: { p50: pct(ten, 50), p99: pct(ten, 99) }, oneBundleUs: { p50: pct(one, 50), p99: pct(one, 99) } };
  } finally {
    link.close();
  }
}
