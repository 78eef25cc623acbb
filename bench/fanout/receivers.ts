/**
 * Child process of bench:fanout: K node-datachannel PeerConnections, each
 * opening an unordered, unreliable `voice` channel to the sender (the
 * parent), counting what arrives. Signalling goes over Node's IPC channel.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import type { ToReceivers, FromReceivers } from './ipc.ts';

const peers: PeerConnection[] = [];
const channels: DataChannel[] = [];
let received = 0;

function send(msg: FromReceivers): void {
  process.send?.(msg);
}

function open(k: number): void {
  for (let i = 0; i < k; i++) {
    const pc = new nodeDataChannel.PeerConnection(`rx-${i}`, { iceServers: [] });
    pc.onLocalDescription((sdp, type) => send({ type: 'offer', index: i, sdp, sdpType: type }));
    pc.onLocalCandidate((candidate, mid) => send({ type: 'candidate', index: i, candidate, mid }));
    const dc = pc.createDataChannel('voice', { unordered: true, maxRetransmits: 0 });
    dc.onMessage(() => {
      received++;
    });
    peers.push(pc);
    channels.push(dc);
  }
}

process.on('message', (msg: ToReceivers) => {
  switch (msg.type) {
    case 'open':
      open(msg.k);
      return;
    case 'answer':
      peers[msg.index]?.setRemoteDescription(msg.sdp, msg.sdpType);
      return;
    case 'candidate':
      peers[msg.index]?.addRemoteCandidate(msg.candidate, msg.mid);
      return;
    case 'count':
      send({ type: 'count', received });
      return;
    case 'exit':
      // No nodeDataChannel.cleanup(): exiting frees everything (see bench/relay/load-process.ts).
      process.exit(0);
  }
});
send({ type: 'ready' });
