/**
 * The voice half of the Node test client: a real node-datachannel
 * PeerConnection with the unordered, no-retransmit `voice` channel, signalled
 * over the control socket, and the datagrams it receives (buffered, counted,
 * waited for). {@link TestClient} owns one; tests reach it through the client.
 */
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { decodeDownlink, splitDownlink } from '../../proto/index.ts';
import type { ForwardedVoice } from '../../proto/index.ts';
import type { ControlSocket } from './control-socket.ts';
import { withTimeout } from './with-timeout.ts';

/** How a {@link VoiceLink} behaves. */
export interface VoiceLinkOptions {
  /** Keep received datagrams for `nextDatagram()` (a load test may only count). */
  readonly buffer: boolean;
  /** Default wait for `nextDatagram()`, ms. */
  readonly timeoutMs: number;
}

/** One client's voice PeerConnection and what arrived on it. */
export class VoiceLink {
  /** Datagrams received on the voice channel (when buffering). */
  readonly datagrams: Uint8Array[] = [];
  #datagramCount = 0;
  readonly #socket: ControlSocket;
  readonly #sessionId: number;
  readonly #buffer: boolean;
  readonly #timeout: number;
  readonly #datagramListeners = new Set<(d: Uint8Array) => void>();
  #datagramWaiters: Array<{ match: (d: Uint8Array) => boolean; resolve: (d: Uint8Array) => void }> = [];
  #pc: PeerConnection | null = null;
  #dc: DataChannel | null = null;
  #untapSignals: (() => void) | undefined;

  constructor(socket: ControlSocket, sessionId: number, options: VoiceLinkOptions) {
    this.#socket = socket;
    this.#sessionId = sessionId;
    this.#buffer = options.buffer;
    this.#timeout = options.timeoutMs;
  }

  /**
   * Opens the voice DataChannel: offer, answer and candidates over the control
   * socket. Resolves once the relay said voiceReady and the channel is open here.
   *
   * libdatachannel on loopback now and then stalls or never finishes a DTLS
   * handshake (node-datachannel#443, libdatachannel#1554); like a real client,
   * this gives each attempt a deadline and re-offers on a fresh PeerConnection,
   * which the relay treats as a replacement.
   *
   * `bundles` (default true, as the web client): the offer says this client
   * reads BUNDLE datagrams; their frames reach listeners one by one, and
   * {@link bundlesReceived} counts the bundles.
   */
  async openVoice(options: { attempts?: number; attemptTimeoutMs?: number; bundles?: boolean } = {}): Promise<void> {
    const attempts = options.attempts ?? 3;
    const perAttempt = options.attemptTimeoutMs ?? 4_000;
    this.#bundles = options.bundles ?? true;
    let lastError: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        // Each deadline doubles (4, 8, 16 s): a stalled handshake is re-offered soon, while a
        // setup that is only slow (a CPU-starved box) gets the time it needs on the next try.
        await this.#openVoiceOnce(perAttempt * 2 ** i);
        this.voiceAttempts = i + 1;
        return;
      } catch (error) {
        lastError = error;
        if (!this.#socket.isOpen) break;
      }
    }
    this.#closeVoice();
    throw lastError;
  }

  /** Offers the relay this client made before voice opened (1 = first try worked). */
  voiceAttempts = 0;
  /** BUNDLE datagrams received (each frame in them was delivered on its own). */
  bundlesReceived = 0;
  #bundles = true;

  async #openVoiceOnce(timeoutMs: number): Promise<void> {
    this.#closeVoice();
    const pc = new nodeDataChannel.PeerConnection(`client-${this.#sessionId}`, { iceServers: [] });
    this.#pc = pc;
    // The control socket is ordered: a voiceReady left over from an abandoned attempt arrives
    // before this attempt's answer, so only one that follows the answer counts.
    let answered = false;
    this.#untapSignals?.();
    this.#untapSignals = this.#socket.tap((m) => {
      if (m.case !== 'rtcSignal' || this.#pc !== pc) return;
      const s = m.value.signal;
      try {
        if (s.case === 'description') {
          answered = true;
          pc.setRemoteDescription(s.value.sdp, s.value.type as 'answer');
        } else if (s.case === 'candidate') pc.addRemoteCandidate(s.value.candidate, s.value.mid);
      } catch {
        /* signal for a connection that is being replaced */
      }
    });
    pc.onLocalDescription((sdp, type) => {
      if (this.#socket.isOpen && this.#pc === pc) this.#socket.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type, sdp, bundles: this.#bundles } } } });
    });
    pc.onLocalCandidate((candidate, mid) => {
      if (this.#socket.isOpen && this.#pc === pc) this.#socket.send({ case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate, mid } } } });
    });
    const abandon = new AbortController();
    const ready = this.#socket.next('voiceReady', (v) => answered && v.sessionId === this.#sessionId, timeoutMs, abandon.signal);
    const dc = pc.createDataChannel('voice', { unordered: true, maxRetransmits: 0 });
    this.#dc = dc;
    const open = new Promise<void>((resolve) => {
      if (dc.isOpen()) resolve();
      else dc.onOpen(() => resolve());
    });
    dc.onMessage((msg) => {
      if (typeof msg === 'string' || this.#dc !== dc) return;
      // A view, not a copy: node-datachannel hands over a fresh Buffer per message.
      const bytes = msg instanceof ArrayBuffer ? new Uint8Array(msg) : new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
      const parts = this.#bundles ? splitDownlink(bytes) : null;
      if (parts?.ok && parts.value.length > 1) {
        this.bundlesReceived++;
        for (const p of parts.value) this.#onDatagram(p);
      } else this.#onDatagram(bytes);
    });
    try {
      await Promise.all([ready, withTimeout(open, timeoutMs, 'voice channel open')]);
    } catch (error) {
      ready.catch(() => {});
      abandon.abort();
      throw error;
    }
  }

  /** Sends one datagram on the voice channel; false if it is not open or the send failed (the peer went away). */
  sendDatagram(bytes: Uint8Array): boolean {
    const dc = this.#dc;
    if (!dc || !dc.isOpen()) return false;
    try {
      return dc.sendMessageBinary(bytes);
    } catch {
      // libdatachannel throws when the association was reset under it (errno 104): a lost datagram, like on a real network.
      return false;
    }
  }

  /**
   * Opens one more DataChannel with `label` on the voice PeerConnection (after
   * {@link openVoice}): the relay accepts only `voice`, so this is a stray
   * channel it must close without crashing. The channel is kept here until
   * the PeerConnection closes.
   */
  openStrayChannel(label: string): void {
    const pc = this.#pc;
    if (!pc) throw new Error('openStrayChannel before openVoice');
    this.#strays.push(pc.createDataChannel(label));
  }

  readonly #strays: DataChannel[] = [];

  /** Bytes waiting in the voice channel's send buffer (for pacing a load test). */
  bufferedAmount(): number {
    return this.#dc?.bufferedAmount() ?? 0;
  }

  /** Total datagrams received so far. */
  get datagramCount(): number {
    return this.#datagramCount;
  }

  /** Calls `listener` for each received datagram. Returns an unsubscribe. */
  onDatagram(listener: (d: Uint8Array) => void): () => void {
    this.#datagramListeners.add(listener);
    return () => this.#datagramListeners.delete(listener);
  }

  /** Waits for a datagram matching `predicate` that arrives from now on, or is buffered and unconsumed. */
  nextDatagram(predicate: (d: Uint8Array) => boolean = () => true, timeoutMs = this.#timeout): Promise<Uint8Array> {
    const index = this.datagrams.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.datagrams.splice(index, 1)[0]!);
    const waiter = { match: predicate, resolve: (_: Uint8Array) => {} };
    const found = new Promise<Uint8Array>((resolve) => {
      waiter.resolve = resolve;
    });
    this.#datagramWaiters.push(waiter);
    return withTimeout(found, timeoutMs, 'datagram').finally(() => {
      this.#datagramWaiters = this.#datagramWaiters.filter((w) => w !== waiter);
    });
  }

  /** Closes the PeerConnection (and any stray channels). */
  close(): void {
    this.#closeVoice();
  }

  #closeVoice(): void {
    const dc = this.#dc;
    const pc = this.#pc;
    this.#dc = null;
    this.#pc = null;
    const strays = this.#strays.splice(0);
    try {
      for (const stray of strays) stray.close();
      dc?.close();
      pc?.close();
    } catch {
      /* already closed */
    }
  }

  #onDatagram(d: Uint8Array): void {
    this.#datagramCount++;
    for (const l of this.#datagramListeners) l(d);
    const w = this.#datagramWaiters.find((x) => x.match(d));
    if (w) {
      this.#datagramWaiters = this.#datagramWaiters.filter((x) => x !== w);
      w.resolve(d);
      return;
    }
    if (this.#buffer) this.datagrams.push(d);
  }
}

/** Waits for `n` voice frames on `client` and returns them decoded, sorted by seq (the channel is unordered). */
export async function receiveVoice(client: { nextDatagram(): Promise<Uint8Array> }, n: number): Promise<ForwardedVoice[]> {
  const out: ForwardedVoice[] = [];
  for (let i = 0; i < n; i++) {
    const d = decodeDownlink(await client.nextDatagram());
    if (!d.ok) throw new Error(`bad downlink: ${d.error.code}`);
    out.push(d.value);
  }
  return out.sort((x, y) => x.seq - y.seq);
}
