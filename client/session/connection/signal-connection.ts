/**
 * The control channel: one WebSocket carrying protobuf Envelopes.
 * Knows framing and nothing about product state (the Session does).
 */
import { decodeEnvelope, encodeEnvelope } from '../../../proto/index.ts';
import type { EnvelopeInit, Envelope, EnvelopeCase } from '../../../proto/index.ts';
import { TypedEmitter } from '../../../proto/typed-emitter.ts';

/** A decoded control message whose kind is known. */
export type ControlMessage = Envelope & { msg: { case: EnvelopeCase } };

export interface SignalConnectionEvents {
  open: () => void;
  message: (msg: ControlMessage) => void;
  /** The socket closed; `wasOpen` is false when it never connected (relay unreachable). */
  close: (info: { code: number; reason: string; wasOpen: boolean }) => void;
  /** A frame from the relay that did not decode (counted, then ignored). */
  malformed: (detail: string) => void;
}

/** Minimal WebSocket shape so tests can inject Node's `ws` (test/client/session/session-relay.relay.test.ts does). */
export type WebSocketFactory = (url: string) => WebSocket;

/** Opens the control socket and emits decoded messages. */
export class SignalConnection extends TypedEmitter<SignalConnectionEvents> {
  readonly #ws: WebSocket;
  #open = false;
  #closed = false;

  constructor(url: string, factory: WebSocketFactory = (u) => new WebSocket(u)) {
    super();
    this.#ws = factory(url);
    this.#ws.binaryType = 'arraybuffer';
    this.#ws.onopen = () => {
      this.#open = true;
      this.emit('open');
    };
    this.#ws.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) {
        this.emit('malformed', 'text frame');
        return;
      }
      const r = decodeEnvelope(new Uint8Array(ev.data));
      if (!r.ok) {
        this.emit('malformed', `${r.error.code}: ${r.error.detail}`);
        return;
      }
      this.emit('message', r.value);
    };
    this.#ws.onclose = (ev: CloseEvent) => {
      if (this.#closed) return;
      this.#closed = true;
      this.emit('close', { code: ev.code, reason: ev.reason, wasOpen: this.#open });
    };
    // onerror is always followed by onclose, which carries what we need.
    this.#ws.onerror = () => {};
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.#open && !this.#closed && this.#ws.readyState === 1 /* OPEN */;
  }

  /** Sends one control message; silently dropped when the socket is not open. */
  send(msg: EnvelopeInit): boolean {
    if (!this.isOpen) return false;
    this.#ws.send(encodeEnvelope(msg));
    return true;
  }

  /** Closes the socket; no `close` event is emitted for a close we asked for. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#ws.close(1000, 'bye');
    } catch {
      // already closing
    }
    this.clear();
  }
}
