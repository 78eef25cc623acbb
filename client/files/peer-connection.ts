/**
 * A direct WebRTC connection to one other browser, signalled through the
 * relay, for one file (the relay introduces per file, and each signed
 * description names it). Offer collisions never reach it: the mesh
 * (peer-mesh.ts) lets one offer stand and answers it on a fresh connection.
 * It carries one reliable, ordered DataChannel labelled "parley-file",
 * wrapped as a FrameLink.
 *
 * ICE failure is reported as soon as it is certain: when the connection
 * fails, or when gathering finished on this side without a single candidate
 * (nothing can ever connect; the test-only `iceTransportPolicy: 'relay'`
 * with no TURN server does this), so the caller switches to the relay
 * fallback without waiting for a timer. A peer that never answers (its
 * browser hung, it refuses direct connections, a firewall eats every packet)
 * is abandoned at the connect deadline: a timer on the injected clock,
 * cleared as soon as the file channel opens.
 *
 * The offerer sends its candidates only once the answer is applied (those in
 * its offer's SDP too): until then the answerer has no address to check, so
 * ICE cannot connect before this side knows the answer's DTLS fingerprint.
 * libdatachannel v0.24.5 (node-datachannel 0.33) starts DTLS as soon as ICE
 * connects, and when the answerer's checks came over loopback before the
 * answer came through the relay, the fingerprint check failed and the stack
 * closed the connection (decisions D116). Browsers lose nothing: the
 * offerer's own checks start once it has the answer either way, and the
 * answerer learns the offerer's address from them.
 */
import { dataChannelLink } from './frame-link.ts';
import type { FrameLink } from './frame-link.ts';

/** What goes through the relay between the two browsers. */
export type PeerSignal =
  | { readonly kind: 'description'; readonly type: 'offer' | 'answer'; readonly sdp: string }
  | { readonly kind: 'candidate'; readonly candidate: string; readonly mid: string };

/** Label of the file DataChannel (docs/PROTOCOL.md "Files"). */
export const FILE_CHANNEL_LABEL = 'parley-file';

/** How long a connection may take to open its file channel before it is abandoned, ms. */
export const CONNECT_DEADLINE_MS = 15_000;

/** Adapters of a {@link PeerConnection}. */
export interface PeerConnectionDeps {
  readonly sendSignal: (signal: PeerSignal) => void;
  /** ICE servers and policy; tests force failure with `{ iceServers: [], iceTransportPolicy: 'relay' }`. */
  readonly rtcConfig?: RTCConfiguration;
  /** The other side opened the file channel. */
  readonly onChannel: (link: FrameLink) => void;
  /**
   * No direct path is possible (or it broke): use the relay. `retry` is true
   * when a fresh connection may well succeed (the stack refused a description,
   * or ICE failed on a busy machine), false when it cannot (no candidates) or
   * the deadline already passed.
   */
  readonly onFailed: (reason: string, retry: boolean) => void;
  readonly createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** The clock of the connect deadline (default: the page's timers). */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
  /** Default {@link CONNECT_DEADLINE_MS}. */
  readonly connectDeadlineMs?: number;
}

/** One browser-to-browser connection. */
export class PeerConnection {
  readonly #pc: RTCPeerConnection;
  readonly #deps: PeerConnectionDeps;
  #localCandidates = 0;
  #failed = false;
  /** This side offers (openChannel was called). */
  #offerer = false;
  /** The offerer's own candidates, held until the answer is applied (see the module comment). */
  readonly #heldCandidates: PeerSignal[] = [];
  /** Remote candidates that came before the remote description (some stacks drop them then; libdatachannel throws). */
  #earlyCandidates: { candidate: string; sdpMid: string }[] = [];
  /**
   * The remote description was applied. Tracked here because
   * `pc.remoteDescription` cannot be trusted: node-datachannel's polyfill
   * returns an empty description before one is set, so early candidates went
   * straight to libdatachannel, which refused them.
   */
  #remoteSet = false;
  /** The connect deadline's timer until the channel opens, else null. */
  #deadline: unknown = null;

  constructor(deps: PeerConnectionDeps) {
    this.#deps = deps;
    const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.#deadline = setTimer(() => {
      this.#deadline = null;
      this.#fail('no connection before the deadline');
    }, deps.connectDeadlineMs ?? CONNECT_DEADLINE_MS);
    this.#pc = (deps.createPeerConnection ?? ((c) => new RTCPeerConnection(c)))(deps.rtcConfig ?? { iceServers: [] });
    const pc = this.#pc;
    pc.onnegotiationneeded = () => void this.#offer();
    pc.onicecandidate = (e) => {
      if (e.candidate?.candidate) {
        this.#localCandidates++;
        this.#sendCandidate({ kind: 'candidate', candidate: e.candidate.candidate, mid: e.candidate.sdpMid ?? '0' });
      }
    };
    pc.onicegatheringstatechange = () => {
      const inSdp = pc.localDescription?.sdp?.includes('a=candidate') ?? false;
      if (pc.iceGatheringState === 'complete' && this.#localCandidates === 0 && !inSdp) this.#fail('no ICE candidates on this side');
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') this.#fail('ICE failed', true);
      // Not closed by us (#failed is set first): libdatachannel sometimes closes a connection
      // itself right after the answer is applied on a busy machine (cause not found); a fresh one works.
      if (pc.connectionState === 'closed' && !this.#failed) this.#fail('closed by the WebRTC stack', true);
    };
    pc.ondatachannel = (e) => {
      if (e.channel.label !== FILE_CHANNEL_LABEL) return e.channel.close();
      this.#watchOpen(e.channel);
      deps.onChannel(dataChannelLink(e.channel));
    };
  }

  /** Connected or failed? (`new`, `connecting`, `connected`, `failed`, …) */
  get state(): RTCPeerConnectionState {
    return this.#failed ? 'failed' : this.#pc.connectionState;
  }

  /** Opens the file channel and offers (the other side gets `onChannel`). */
  openChannel(): FrameLink {
    this.#offerer = true;
    const channel = this.#pc.createDataChannel(FILE_CHANNEL_LABEL, { ordered: true });
    this.#watchOpen(channel);
    const link = dataChannelLink(channel);
    // Not every WebRTC stack fires `negotiationneeded` (node-datachannel's polyfill does not): offer explicitly.
    queueMicrotask(() => void this.#offer());
    return link;
  }

  #offered = false;

  async #offer(): Promise<void> {
    const pc = this.#pc;
    if (this.#offered || this.#failed) return;
    // libdatachannel (Node) makes the local offer itself when the channel is created.
    const made = pc.signalingState === 'have-local-offer' ? pc.localDescription : null;
    if (pc.signalingState !== 'stable' && !made) return;
    this.#offered = true;
    try {
      let d: RTCSessionDescriptionInit | null = made;
      if (!d) {
        const offer = await pc.createOffer();
        // libdatachannel's polyfill resolves createOffer with the offer it already set itself;
        // setting it again renegotiates under the first one (its candidates then find no ICE transport).
        if (pc.signalingState === 'stable') await pc.setLocalDescription(offer);
        d = pc.localDescription ?? offer;
      }
      const { sdp, candidates } = splitCandidates(d.sdp ?? '');
      this.#deps.sendSignal({ kind: 'description', type: 'offer', sdp });
      for (const c of candidates) this.#sendCandidate({ kind: 'candidate', candidate: c.candidate, mid: c.sdpMid });
    } catch (e) {
      this.#fail(`offer failed: ${String(e)}`);
    }
  }

  /** Our local SDP (its DTLS fingerprint is signed into the description), or null before one exists. */
  get localSdp(): string | null {
    return this.#pc.localDescription?.sdp ?? null;
  }

  /** Applies a signal from the other side; bad SDP or candidates are dropped, never thrown. */
  async signal(s: PeerSignal): Promise<void> {
    const pc = this.#pc;
    try {
      if (s.kind === 'candidate') {
        if (this.#failed) return;
        if (!this.#remoteSet) {
          this.#earlyCandidates.push({ candidate: s.candidate, sdpMid: s.mid });
          return;
        }
        await pc.addIceCandidate({ candidate: s.candidate, sdpMid: s.mid });
        return;
      }
      // One description each way per connection: a second offer or answer (a collision the mesh did not settle) is dropped.
      if (this.#failed || this.#remoteSet) return;
      if (s.type === 'offer' ? pc.signalingState !== 'stable' : pc.signalingState !== 'have-local-offer') return;
      // Candidates inside the SDP are added once the description is in place, like trickled ones:
      // libdatachannel refuses a remote offer that carries candidates before it has an ICE transport.
      const { sdp, candidates } = splitCandidates(s.sdp);
      await pc.setRemoteDescription({ type: s.type, sdp });
      this.#remoteSet = true;
      for (const c of this.#heldCandidates.splice(0)) this.#deps.sendSignal(c);
      if (s.type === 'offer') {
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        const d = pc.localDescription ?? answer;
        this.#deps.sendSignal({ kind: 'description', type: 'answer', sdp: d.sdp ?? '' });
      }
      for (const c of [...candidates, ...this.#earlyCandidates.splice(0)]) await pc.addIceCandidate(c).catch((e) => console.warn(`file peer candidate dropped [reason:${String(e)}]`));
    } catch (e) {
      if (s.kind === 'candidate') return console.warn(`file peer candidate dropped [reason:${String(e)}]`);
      // A description the stack refused leaves this connection unusable: say so now (the mesh starts over) instead of at the deadline.
      this.#fail(`${s.type} refused [state:${pc.connectionState}/${pc.iceConnectionState}/${pc.iceGatheringState}]: ${String(e)}`, true);
    }
  }

  /** Sends one of our candidates, or holds it while an offerer waits for the answer. */
  #sendCandidate(c: PeerSignal): void {
    if (this.#offerer && !this.#remoteSet) this.#heldCandidates.push(c);
    else this.#deps.sendSignal(c);
  }

  close(): void {
    this.#stopDeadline();
    this.#failed = true;
    this.#pc.close();
  }

  /** The file channel opened (once true, a failure is a broken link, not a failed set-up). */
  get opened(): boolean {
    return this.#opened;
  }

  #opened = false;

  /** The file channel opening ends the connect deadline. */
  #watchOpen(channel: RTCDataChannel): void {
    const open = (): void => {
      this.#opened = true;
      this.#stopDeadline();
    };
    if (channel.readyState === 'open') return open();
    channel.addEventListener('open', open);
  }

  #stopDeadline(): void {
    if (this.#deadline === null) return;
    (this.#deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)))(this.#deadline);
    this.#deadline = null;
  }

  #fail(reason: string, retry = false): void {
    if (this.#failed) return;
    this.#stopDeadline();
    this.#failed = true;
    // Closed here so a channel still "connecting" never opens later behind our back.
    this.#pc.close();
    this.#deps.onFailed(reason, retry);
  }
}

/** Splits the `a=candidate` lines out of an SDP (with the mid of their section). */
export function splitCandidates(sdp: string): { sdp: string; candidates: { candidate: string; sdpMid: string }[] } {
  const candidates: { candidate: string; sdpMid: string }[] = [];
  const kept: string[] = [];
  let mid = '0';
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('a=mid:')) mid = line.slice(6);
    if (line.startsWith('a=candidate:')) candidates.push({ candidate: line.slice(2), sdpMid: mid });
    else if (line !== 'a=end-of-candidates') kept.push(line);
  }
  return { sdp: kept.join('\r\n'), candidates };
}
