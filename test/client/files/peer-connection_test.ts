/// <reference types="mocha" />
import { assert } from 'chai';
import { FileTransfer, HIGH_WATER, memoryChunkStore, PeerConnection, prepareShare, sha256 } from '../../../client/files/index.ts';
import type { FrameLink, PeerConnectionDeps, PeerSignal, TransferView } from '../../../client/files/index.ts';

const CHUNK = 256 * 1024;

/** Two PeerConnections in this page, signalled directly to each other. */
function pair(rtcConfig?: RTCConfiguration): { a: PeerConnection; b: PeerConnection; failures: string[]; failed: Promise<void>; incoming: Promise<FrameLink> } {
  const failures: string[] = [];
  let onFail!: () => void;
  const failed = new Promise<void>((r) => (onFail = r));
  let toA: (s: PeerSignal) => void = () => {};
  let toB: (s: PeerSignal) => void = () => {};
  let gotChannel!: (v: FrameLink) => void;
  const incoming = new Promise<FrameLink>((r) => (gotChannel = r));
  const common = (name: string): Pick<PeerConnectionDeps, 'onFailed'> & { rtcConfig?: RTCConfiguration } => ({
    onFailed: (reason) => {
      failures.push(`${name}: ${reason}`);
      onFail();
    },
    ...(rtcConfig ? { rtcConfig } : {}),
  });
  const a = new PeerConnection({ ...common('a'), sendSignal: (s) => toB(s), onChannel: () => {} });
  const b = new PeerConnection({ ...common('b'), sendSignal: (s) => toA(s), onChannel: (link) => gotChannel(link) });
  toA = (s) => void a.signal(s);
  toB = (s) => void b.signal(s);
  return { a, b, failures, failed, incoming };
}

suite('file peer connection', () => {
  test('a file moves over a direct DataChannel, every chunk checked, bytes equal', async () => {
    const bytes = new Uint8Array(40 * CHUNK + 123);
    for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
    const sender = memoryChunkStore();
    const fileId = new Uint8Array(16).fill(3);
    const { fields } = await prepareShare({ file: new File([bytes as Uint8Array<ArrayBuffer>], 'x.bin'), relayKey: new Uint8Array(32), fileId, authorKey: new Uint8Array(32), target: { kind: 'room', roomId: 'r' }, chunkSize: CHUNK }, sender);
    const { a, b, failures, incoming } = pair();
    const seeder = new FileTransfer({ manifest: fields, store: sender, now: () => performance.now(), onChange: () => {} });
    await seeder.loaded;
    const receiverStore = memoryChunkStore();
    let done!: () => void;
    const complete = new Promise<void>((r) => (done = r));
    const views: TransferView[] = [];
    const receiver = new FileTransfer({
      manifest: fields, store: receiverStore, now: () => performance.now(),
      onChange: (v) => {
        views.push(v);
        if (v.status === 'complete') done();
      },
    });
    const link = a.openChannel();
    receiver.addPeer('b', link);
    const theirs = await incoming;
    seeder.addPeer('a', theirs);
    await receiver.download();
    await complete;
    assert.deepEqual(failures, []);
    assert.isTrue(views.some((v) => v.progress.path === 'direct'));
    const got = new Uint8Array(bytes.length);
    for (let i = 0; i * CHUNK < bytes.length; i++) got.set((await receiverStore.get(receiver.fileId, i))!, i * CHUNK);
    assert.deepEqual(await sha256(got), await sha256(bytes));
    a.close();
    b.close();
  });

  test('a send larger than the high-water mark waits for bufferedamountlow instead of overfilling the channel', async () => {
    const { a, incoming } = pair();
    const link = a.openChannel();
    const theirs = await incoming;
    let received = 0;
    const frame = new Uint8Array(200 * 1024);
    const total = Math.ceil((HIGH_WATER * 4) / frame.byteLength);
    const all = new Promise<void>((resolve) => {
      theirs.onFrame = (f) => {
        received += f.byteLength;
        if (received >= total * frame.byteLength) resolve();
      };
    });
    let peak = 0;
    for (let i = 0; i < total; i++) {
      await link.send(frame);
      peak = Math.max(peak, link.bufferedAmount ?? 0);
    }
    await all;
    assert.isAtMost(peak, HIGH_WATER + frame.byteLength, 'never more than the high-water mark plus one frame queued');
    assert.equal(received, total * frame.byteLength);
    a.close();
  });

  test('with a configuration that allows no candidates, both sides report failure at once (the relay fallback takes over)', async () => {
    const { a, failures, failed } = pair({ iceServers: [], iceTransportPolicy: 'relay' });
    a.openChannel();
    await failed;
    assert.match(failures[0]!, /no ICE candidates/);
    assert.equal(a.state, 'failed');
  });
});
