/**
 * Control-message codec: one WebSocket binary frame = one `Envelope`.
 *
 * Pure functions over bytes; no sockets. `decodeEnvelope` never throws: bad
 * bytes come back as a typed {@link DecodeError} so the relay can count and
 * log the reason and keep serving (see docs/PROTOCOL.md).
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { EnvelopeSchema } from './gen/parley_pb.ts';
import type { FileWireSchema } from './gen/parley_pb.ts';
import type { Envelope } from './gen/parley_pb.ts';
import { decodeFailure } from './errors.ts';
import type { Decoded } from './errors.ts';
import { MAX_CONTROL_FRAME_BYTES } from './frame-limits.ts';

/** Version of the control protocol this build speaks. */
export const PROTOCOL_VERSION = 1;


/** The `case` names of every Envelope message, e.g. `'client_auth'` -> `'clientAuth'`. */
export type EnvelopeCase = NonNullable<Envelope['msg']['case']>;

/** An Envelope whose message is known to be of kind `K`. */
export type EnvelopeOf<K extends EnvelopeCase> = Extract<Envelope['msg'], { case: K }>['value'];

/** Input accepted by {@link encodeEnvelope}: the oneof case and its (partial) value. */
export type EnvelopeInit = MessageInitShape<typeof EnvelopeSchema>['msg'];

/** One file-channel message (`FileWire.msg`) as built by a sender (the swarm core in files/ speaks these). */
export type FileWireMsgInit = MessageInitShape<typeof FileWireSchema>['msg'];

/** Serialises one control message. */
export function encodeEnvelope(msg: EnvelopeInit): Uint8Array {
  return toBinary(EnvelopeSchema, create(EnvelopeSchema, { msg }));
}

/**
 * Parses one control frame. Returns `unknown-message` for a well-formed
 * Envelope with no message we know (a newer peer, or garbage that happens to
 * parse), so callers can answer `ERROR_CODE_UNKNOWN_MESSAGE`.
 */
export function decodeEnvelope(bytes: Uint8Array): Decoded<Envelope & { msg: { case: EnvelopeCase } }> {
  if (bytes.byteLength === 0) return decodeFailure('empty', 'empty frame');
  if (bytes.byteLength > MAX_CONTROL_FRAME_BYTES) {
    return decodeFailure('too-large', `frame [bytes:${bytes.byteLength}, max:${MAX_CONTROL_FRAME_BYTES}]`);
  }
  let env: Envelope;
  try {
    env = fromBinary(EnvelopeSchema, bytes, { readUnknownFields: false });
  } catch (e) {
    return decodeFailure('malformed', e instanceof Error ? e.message : String(e));
  }
  if (env.msg.case === undefined) return decodeFailure('unknown-message', 'envelope carries no known message');
  return { ok: true, value: env as Envelope & { msg: { case: EnvelopeCase } } };
}
