/**
 * A Node Parley client for tests and load benchmarks: the real handshake
 * (node:crypto Ed25519), the control socket, and a real node-datachannel
 * PeerConnection with the unordered, no-retransmit `voice` channel.
 *
 *   const a = await connectClient(relay.wsUrl, { name: 'Ana' });
 *   await a.openVoice();
 *   a.sendDatagram(encodeVoice({ seq: 1, ts: 960, flags: 0, payload }));
 *   const got = await b.nextDatagram();
 */
import { generateKeyPairSync, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { authTranscript, decodeDownlink, ErrorCode, PROTOCOL_VERSION, splitDownlink } from '../../proto/index.ts';
import type { AuthOk, ForwardedVoice, ClientAuthSchema, EnvelopeCase, EnvelopeInit, EnvelopeOf, ServerHello, User } from '../../proto/index.ts';
import { ControlSocket, DEFAULT_WAIT_MS } from './control-socket.ts';
import type { CloseInfo } from './control-socket.ts';

/** The clientAuth fields, as `tamper` sees and returns them. */
export type ClientAuthInit = MessageInitShape<typeof ClientAuthSchema>;

/** Options of {@link connectClient}. */
export interface ConnectOptions {
  readonly name: string;
  readonly password?: string;
  /** Ed25519 private key; a fresh one by default. */
  readonly key?: KeyObject;
  /** Rewrites the clientAuth before it is sent (refusal tests). */
  readonly tamper?: (auth: ClientAuthInit, hello: ServerHello) => ClientAuthInit;
  /** Answer the relay's pings (default true). */
  readonly answerPings?: boolean;
  /** Keep received datagrams for `nextDatagram()` (default true; a load test may only count). */
  readonly bufferDatagrams?: boolean;
  /** Keep no control-message history (load generators; see `ControlSocket.open`). */
  readonly lean?: boolean;
  readonly timeoutMs?: number;
  /** Signed invite bytes to present in clientAuth. */
  readonly invite?: Uint8Array;
  /** Pretend to come from this address (needs a relay with `trustProxy`). */
  readonly forwardedFor?: string;
  /** Certificate authority (PEM) to trust for a `wss:` relay. */
  readonly ca?: string;
  /** Keep every received frame's bytes, from the first, in `socket.frames` (leak tests). */
  readonly captureFrames?: boolean;
}

/** The relay refused the handshake with `code`. */
export class RelayRefusedError extends Error {
  override readonly name = 'RelayRefusedError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly context: string,
    readonly close: CloseInfo | undefined,
  ) {
    super(`relay refused [code:${ErrorCode[code] ?? code}, context:${context}] ${message}`);
  }
}

/** A fresh Ed25519 private key. */
export function generateKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

/** Raw 32-byte public key of an Ed25519 key. */
export function rawPublicKeyOf(key: KeyObject): Uint8Array {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.byteLength - 32));
}

/** Signs the auth transcript the way a client does. */
export function signAuth(key: KeyObject, relayPublicKey: Uint8Array, nonce: Uint8Array, version = PROTOCOL_VERSION): Uint8Array {
  return new Uint8Array(sign(null, authTranscript(relayPublicKey, nonce, version), key));
}

/**
 * Performs the handshake on an open socket and reads the roster pages that
 * follow authOk (`roster`: everyone signed in then, this session included);
 * rejects with {@link RelayRefusedError} on a refusal.
 */
export async function authenticate(
  socket: ControlSocket,
  options: ConnectOptions,
): Promise<{ hello: ServerHello; authOk: AuthOk; roster: User[]; key: KeyObject }> {
  const timeout = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const key = options.key ?? generateKey();
  const hello = await socket.next('serverHello', undefined, timeout);
  let auth: ClientAuthInit = {
    protocolVersion: PROTOCOL_VERSION,
    publicKey: rawPublicKeyOf(key),
    displayName: options.name,
    password: options.password ?? '',
    signature: signAuth(key, hello.relayPublicKey, hello.nonce),
    invite: options.invite ?? new Uint8Array(0),
  };
  if (options.tamper) auth = options.tamper(auth, hello);
  socket.send({ case: 'clientAuth', value: auth });
  const outcome = await socket.nextMatching(
    (m) => m.case === 'authOk' || (m.case === 'error' && m.value.context === 'client_auth'),
    timeout,
    'authOk or refusal',
  );
  if (outcome.case === 'error') {
    const close = await socket.closed;
    throw new RelayRefusedError(outcome.value.code, outcome.value.message, outcome.value.context, close);
  }
  if (outcome.case !== 'authOk') throw new Error(`unexpected ${outcome.case}`);
  const roster: User[] = [];
  for (;;) {
    const page = await socket.next('presencePage', undefined, timeout);
    roster.push(...page.users);
    if (page.last) break;
  }
  return { hello, authOk: outcome.value, roster, key };
}

/** Connects and authenticates. */
export async function connectClient(wsUrl: string, options: ConnectOptions): Promise<TestClient> {
  const socket = await ControlSocket.open(wsUrl, {
    lean: options.lean ?? false,
    captureFrames: options.captureFrames ?? false,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.forwardedFor ? { headers: { 'x-forwarded-for': options.forwardedFor } } : {}),
  });
  try {
    const { hello, authOk, roster, key } = await authenticate(socket, options);
    return new TestClient(socket, hello, authOk, roster, key, options);
  } catch (error) {
    socket.terminate();
    throw error;
  }
}

let nextNonce = 1n;

/** An authenticated Parley client. */
export class TestClient {
  readonly socket: ControlSocket;
  readonly hello: ServerHello;
  readonly authOk: AuthOk;
  /** Who was signed in when this session was admitted (the PresencePage frames after authOk, joined). */
  readonly roster: User[];
  readonly key: KeyObject;
  readonly sessionId: number;
  readonly name: string;
  /** Datagrams received on the voice channel (when buffering). */
  readonly datagrams: Uint8Array[] = [];
  #datagramCount = 0;
  readonly #buffer: boolean;
  readonly #timeout: number;
  readonly #datagramListeners = new Set<(d: Uint8Array) => void>();
  #datagramWaiters: Array<{ match: (d: Uint8Array) => boolean; resolve: (d: Uint8Array) => void }> = [];
  #pc: PeerConnection | null = null;
  #dc: DataChannel | null = null;
  #untapSignals: (() => void) | undefined;

  constructor(socket: ControlSocket, hello: ServerHello, authOk: AuthOk, roster: User[], key: KeyObject, options: ConnectOptions) {
    this.socket = socket;
    this.hello = hello;
    this.authOk = authOk;
    this.roster = roster;
    this.key = key;
    this.sessionId = authOk.sessionId;
    this.name = options.name;
    this.#buffer = options.bufferDatagrams ?? true;
    this.#timeout = options.timeoutMs ?? DEFAULT_WAIT_MS;
    if (options.answerPings ?? true) {
      socket.tap((m) => {
        if (m.case === 'ping' && socket.isOpen) socket.send({ case: 'pong', value: { nonce: m.value.nonce } });
      });
    }
  }

  /** Sends one control message. */
  send(msg: EnvelopeInit): void {
    this.socket.send(msg);
  }

  /** Waits for the next unconsumed message of `kind` matching `predicate`. */
  next<K extends EnvelopeCase>(kind: K, predicate?: (value: EnvelopeOf<K>) => boolean, timeoutMs = this.#timeout): Promise<EnvelopeOf<K>> {
    return this.socket.next(kind, predicate, timeoutMs);
  }

  /** Round-trips a ping; resolves when the matching pong arrives. */
  async ping(timeoutMs = this.#timeout): Promise<void> {
    const nonce = nextNonce++;
    this.send({ case: 'ping', value: { nonce } });
    await this.next('pong', (p) => p.nonce === nonce, timeoutMs);
  }

  /** Moves to `roomId` and resolves with the relay's userUpdated for this session. */
  async join(roomId: string): Promise<void> {
    this.send({ case: 'joinRoom', value: { roomId } });
    await this.next('userUpdated', (u) => u.user?.sessionId === this.sessionId && u.user.roomId === roomId);
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
        if (!this.socket.isOpen) break;
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
    const pc = new nodeDataChannel.PeerConnection(`client-${this.sessionId}`, { iceServers: [] });
    this.#pc = pc;
    // The control socket is ordered: a voiceReady left over from an abandoned attempt arrives
    // before this attempt's answer, so only one that follows the answer counts.
    let answered = false;
    this.#untapSignals?.();
    this.#untapSignals = this.socket.tap((m) => {
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
      if (this.socket.isOpen && this.#pc === pc) this.send({ case: 'rtcSignal', value: { signal: { case: 'description', value: { type, sdp, bundles: this.#bundles } } } });
    });
    pc.onLocalCandidate((candidate, mid) => {
      if (this.socket.isOpen && this.#pc === pc) this.send({ case: 'rtcSignal', value: { signal: { case: 'candidate', value: { candidate, mid } } } });
    });
    const abandon = new AbortController();
    const ready = this.socket.next('voiceReady', (v) => answered && v.sessionId === this.sessionId, timeoutMs, abandon.signal);
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

  /** Closes the PeerConnection and the control socket; resolves when the socket has closed. */
  async close(): Promise<CloseInfo> {
    this.#closeVoice();
    return this.socket.close();
  }

  /** Closes only the voice PeerConnection. */
  closeVoice(): void {
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

/** Rejects with a descriptive error if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for `n` voice frames on `client` and returns them decoded, sorted by seq (the channel is unordered). */
export async function receiveVoice(client: TestClient, n: number): Promise<ForwardedVoice[]> {
  const out: ForwardedVoice[] = [];
  for (let i = 0; i < n; i++) {
    const d = decodeDownlink(await client.nextDatagram());
    if (!d.ok) throw new Error(`bad downlink: ${d.error.code}`);
    out.push(d.value);
  }
  return out.sort((x, y) => x.seq - y.seq);
}
