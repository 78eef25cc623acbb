/**
 * A Node Parley client for tests and load benchmarks: the real handshake
 * (node:crypto Ed25519), the control socket, and a real node-datachannel
 * PeerConnection with the unordered, no-retransmit `voice` channel
 * (voice-link.ts).
 *
 *   const a = await connectClient(relay.wsUrl, { name: 'Ana' });
 *   await a.openVoice();
 *   a.sendDatagram(encodeVoice({ seq: 1, ts: 960, flags: 0, payload }));
 *   const got = await b.nextDatagram();
 */
import { generateKeyPairSync, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { authTranscript, ErrorCode, PROTOCOL_VERSION } from '../../proto/index.ts';
import type { AuthOk, ClientAuthSchema, EnvelopeCase, EnvelopeInit, EnvelopeOf, ServerHello, User } from '../../proto/index.ts';
import type { Signer } from '../../keys/index.ts';
import { ControlSocket, DEFAULT_WAIT_MS } from './control-socket.ts';
import type { CloseInfo } from './control-socket.ts';
import { VoiceLink } from './voice-link.ts';

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

/** The client's Signer interface over a node:crypto key (what the web client's key store gives the real stores). */
export function nodeSigner(key: KeyObject): Signer {
  return { kind: 'noble', publicKey: rawPublicKeyOf(key), sign: async (m) => new Uint8Array(sign(null, m, key)) };
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
  // The roster pages are collected from the moment clientAuth leaves: in a burst
  // they can arrive in one read with dozens of UserJoined, which a lean socket's
  // queue would otherwise keep instead of them (D92).
  const refused = new AbortController();
  const pages = socket.collect((m) => m.case === 'presencePage', (m) => m.case === 'presencePage' && m.value.last, timeout, 'presencePage', refused.signal);
  pages.catch(() => {}); // awaited below unless the handshake is refused
  socket.send({ case: 'clientAuth', value: auth });
  const outcome = await socket.nextMatching(
    (m) => m.case === 'authOk' || (m.case === 'error' && m.value.context === 'client_auth'),
    timeout,
    'authOk or refusal',
  );
  if (outcome.case === 'error') {
    refused.abort();
    const close = await socket.closed;
    throw new RelayRefusedError(outcome.value.code, outcome.value.message, outcome.value.context, close);
  }
  if (outcome.case !== 'authOk') {
    refused.abort();
    throw new Error(`unexpected ${outcome.case}`);
  }
  const roster: User[] = (await pages).flatMap((m) => (m.case === 'presencePage' ? m.value.users : []));
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
  /** The voice PeerConnection and the datagrams it received. */
  readonly voice: VoiceLink;
  readonly #timeout: number;

  constructor(socket: ControlSocket, hello: ServerHello, authOk: AuthOk, roster: User[], key: KeyObject, options: ConnectOptions) {
    this.socket = socket;
    this.hello = hello;
    this.authOk = authOk;
    this.roster = roster;
    this.key = key;
    this.sessionId = authOk.sessionId;
    this.name = options.name;
    this.#timeout = options.timeoutMs ?? DEFAULT_WAIT_MS;
    this.voice = new VoiceLink(socket, authOk.sessionId, { buffer: options.bufferDatagrams ?? true, timeoutMs: this.#timeout });
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

  /** Opens the voice DataChannel (see {@link VoiceLink.openVoice}). */
  openVoice(options: { attempts?: number; attemptTimeoutMs?: number; bundles?: boolean } = {}): Promise<void> {
    return this.voice.openVoice(options);
  }

  /** Offers the relay this client made before voice opened (1 = first try worked). */
  get voiceAttempts(): number {
    return this.voice.voiceAttempts;
  }

  /** BUNDLE datagrams received (each frame in them was delivered on its own). */
  get bundlesReceived(): number {
    return this.voice.bundlesReceived;
  }

  /** Datagrams received on the voice channel (when buffering). */
  get datagrams(): Uint8Array[] {
    return this.voice.datagrams;
  }

  /** Total datagrams received so far. */
  get datagramCount(): number {
    return this.voice.datagramCount;
  }

  /** Sends one datagram on the voice channel; false if it is not open or the send failed. */
  sendDatagram(bytes: Uint8Array): boolean {
    return this.voice.sendDatagram(bytes);
  }

  /** One more DataChannel with `label` on the voice PeerConnection (see {@link VoiceLink.openStrayChannel}). */
  openStrayChannel(label: string): void {
    this.voice.openStrayChannel(label);
  }

  /** Bytes waiting in the voice channel's send buffer (for pacing a load test). */
  bufferedAmount(): number {
    return this.voice.bufferedAmount();
  }

  /** Calls `listener` for each received datagram. Returns an unsubscribe. */
  onDatagram(listener: (d: Uint8Array) => void): () => void {
    return this.voice.onDatagram(listener);
  }

  /** Waits for a datagram matching `predicate` that arrives from now on, or is buffered and unconsumed. */
  nextDatagram(predicate: (d: Uint8Array) => boolean = () => true, timeoutMs = this.#timeout): Promise<Uint8Array> {
    return this.voice.nextDatagram(predicate, timeoutMs);
  }

  /** Closes the PeerConnection and the control socket; resolves when the socket has closed. */
  async close(): Promise<CloseInfo> {
    this.voice.close();
    return this.socket.close();
  }

  /** Closes only the voice PeerConnection. */
  closeVoice(): void {
    this.voice.close();
  }
}

export { withTimeout } from './with-timeout.ts';
export { receiveVoice } from './voice-link.ts';
