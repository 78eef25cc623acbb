/// <reference types="mocha" />
/**
 * The browser's VoiceTransport over real WebRTC in Chromium. The far end is
 * a second RTCPeerConnection in the same page playing the relay's part of
 * the exchange (answer, candidates, downlink datagrams): the network edge,
 * not one of our components. What is checked is what the session would
 * receive: each frame of a BUNDLE datagram on its own, plain frames as they
 * are, nothing from a malformed bundle, and an offer that says it reads
 * bundles.
 */
import { create } from '@bufbuild/protobuf';
import { assert } from 'chai';
import { VoiceTransport } from '../../../../client/session/voice/voice-transport.ts';
import { DatagramKind, encodeBundle, encodeForwarded, RtcSignalSchema } from '../../../../proto/index.ts';
import type { EnvelopeInit } from '../../../../proto/index.ts';

interface Rig {
  transport: VoiceTransport;
  offerSaidBundles: boolean;
  received: Uint8Array[];
  /** Resolves once `n` different datagrams have been handed on. */
  receivedDistinct(n: number): Promise<void>;
  /**
   * Sends `datagrams` from the relay's side now and again every 100 ms until
   * `done` resolves: the channel is unreliable (`maxRetransmits: 0`), so a
   * frame may be lost, and the sender repeats it (a retransmission, not a
   * wait: what is awaited is `done`).
   */
  repeatUntil(datagrams: readonly Uint8Array[], done: Promise<void>): Promise<void>;
  close(): void;
}

async function connect(): Promise<Rig> {
  const relay = new RTCPeerConnection();
  let transport!: VoiceTransport;
  let offerSaidBundles = false;
  const pending: Promise<void>[] = [];
  // The relay's candidates reach the client after its answer, as over the real relay's ordered
  // socket (libdatachannel reports the answer first): here the page's own PeerConnection may
  // report a candidate before its answer is handed over, so candidates wait for it.
  let answered = false;
  const heldCandidates: RTCIceCandidate[] = [];
  const toTransport = (c: RTCIceCandidate): Promise<void> =>
    transport.handleSignal(create(RtcSignalSchema, { signal: { case: 'candidate', value: { candidate: c.candidate, mid: c.sdpMid ?? '0' } } }));
  const send = (msg: EnvelopeInit): void => {
    if (msg?.case !== 'rtcSignal' || msg.value === undefined) return;
    const s = msg.value.signal;
    if (s?.case === 'description') {
      offerSaidBundles = s.value.bundles === true;
      pending.push(
        (async () => {
          await relay.setRemoteDescription({ type: 'offer', sdp: s.value.sdp ?? '' });
          const answer = await relay.createAnswer();
          await relay.setLocalDescription(answer);
          await transport.handleSignal(create(RtcSignalSchema, { signal: { case: 'description', value: { type: 'answer', sdp: answer.sdp ?? '' } } }));
          answered = true;
          await Promise.all(heldCandidates.splice(0).map(toTransport));
        })(),
      );
    } else if (s?.case === 'candidate') {
      pending.push(relay.addIceCandidate({ candidate: s.value.candidate, sdpMid: s.value.mid }).catch(() => {}));
    }
  };
  relay.onicecandidate = (ev) => {
    if (!ev.candidate?.candidate) return;
    if (answered) void toTransport(ev.candidate);
    else heldCandidates.push(ev.candidate);
  };
  const relayChannel = new Promise<RTCDataChannel>((resolve) => {
    relay.ondatachannel = (ev) => {
      const dc = ev.channel;
      dc.binaryType = 'arraybuffer';
      if (dc.readyState === 'open') resolve(dc);
      else dc.onopen = () => resolve(dc);
    };
  });
  transport = new VoiceTransport(send);
  const received: Uint8Array[] = [];
  const distinct = new Set<string>();
  const waiters: { n: number; resolve: () => void }[] = [];
  transport.on('datagram', (bytes) => {
    received.push(bytes.slice());
    distinct.add([...bytes].join(','));
    for (const w of waiters.filter((x) => distinct.size >= x.n)) w.resolve();
  });
  const receivedDistinct = (n: number): Promise<void> =>
    distinct.size >= n ? Promise.resolve() : new Promise((resolve) => void waiters.push({ n, resolve }));
  const opened = new Promise<void>((resolve) => transport.on('open', () => resolve()));
  await transport.start();
  const [channel] = await Promise.all([relayChannel, opened]);
  await Promise.all(pending);
  const repeatUntil = async (datagrams: readonly Uint8Array[], done: Promise<void>): Promise<void> => {
    const sendAll = (): void => {
      for (const d of datagrams) channel.send(d as Uint8Array<ArrayBuffer>);
    };
    sendAll();
    const timer = setInterval(sendAll, 100);
    try {
      await done;
    } finally {
      clearInterval(timer);
    }
  };
  return { transport, offerSaidBundles, received, receivedDistinct, repeatUntil, close: () => (transport.close(), relay.close()) };
}

const frame = (sender: number, seq: number) => encodeForwarded({ sender, room: 1, seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(seq, 1, 2, 3) });

suite('VoiceTransport (real WebRTC in Chromium)', () => {
  test('says in its offer that it reads bundles, and hands on each frame of a bundle on its own', async () => {
    const rig = await connect();
    try {
      assert.isTrue(rig.offerSaidBundles);
      const a = frame(7, 1);
      const b = frame(8, 2);
      const c = frame(9, 3);
      await rig.repeatUntil([encodeBundle([a, b]), c], rig.receivedDistinct(3));
      const got = new Set(rig.received.map((d) => [...d].join(',')));
      assert.sameMembers([...got], [a, b, c].map((d) => [...d].join(',')));
      assert.isTrue(rig.received.every((d) => d[0] === DatagramKind.Forwarded));
    } finally {
      rig.close();
    }
  });

  test('drops a malformed bundle whole and keeps receiving', async () => {
    const rig = await connect();
    try {
      const bad = encodeBundle([frame(1, 1), frame(1, 2)]).slice(0, -3);
      const after = frame(2, 9);
      // Each round sends the bad bundle first, then two good frames, until both good ones came.
      await rig.repeatUntil([bad, after, frame(3, 10)], rig.receivedDistinct(2));
      assert.isTrue(rig.received.every((d) => d[0] === DatagramKind.Forwarded && d.byteLength === after.byteLength));
      assert.notInclude(rig.received.map((d) => d[4]), 1, 'nothing from sender 1 (the malformed bundle)');
    } finally {
      rig.close();
    }
  });
});
