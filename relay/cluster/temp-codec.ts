/**
 * The bytes of one temporary room in the cluster's temp bucket
 * (temp-sync.ts, docs/PROTOCOL.md "Relay to relay"), and of an edit sent to
 * the room's owner. JSON like codec.ts; every decoder validates the whole
 * shape (a name a room may have, a voice id in the temporary range, a key in
 * hex) and never throws.
 */
import { checkRoomName, MAX_USER_LIMIT } from '../../crdt/index.ts';
import type { Decoded } from '../../proto/errors.ts';
import type { TempRoom } from '../temp-rooms/index.ts';
import { TEMP_VOICE_BASE } from '../temp-rooms/index.ts';
import { encode, fail, int, parse, str } from './codec.ts';

/** An edit of a temporary room, already judged by the relay that received it; the owner applies it. */
export interface TempEdit {
  readonly roomId: string;
  readonly name: string;
  readonly userLimit: number;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const HEX = /^[0-9a-f]{64}$/;
const roomId = (v: unknown): string => (typeof v === 'string' && ID.test(v) ? v : fail('room id'));
const name = (v: unknown): string => {
  const s = str(v, 'name', 256);
  return checkRoomName(s) ? fail('name') : s;
};
const limit = (v: unknown): number => {
  const n = int(v, 'user limit');
  return n > MAX_USER_LIMIT ? fail('user limit') : n;
};

/** A room's bytes. */
export function encodeTempRoom(r: TempRoom): Uint8Array {
  return encode({ id: r.id, n: r.name, p: r.parent, m: r.makerHex, vo: r.voiceId, l: r.userLimit });
}

/** Parses a room. */
export function decodeTempRoom(data: Uint8Array): Decoded<TempRoom> {
  return parse(data, (root) => {
    const voiceId = int(root.vo, 'voice id');
    if (voiceId < TEMP_VOICE_BASE || voiceId > 0x7fff_ffff) fail('voice id');
    const makerHex = str(root.m, 'maker', 64);
    if (!HEX.test(makerHex)) fail('maker');
    return { id: roomId(root.id), name: name(root.n), parent: str(root.p, 'parent', 128), makerHex, voiceId, userLimit: limit(root.l) };
  });
}

/** An edit's bytes. */
export function encodeTempEdit(e: TempEdit): Uint8Array {
  return encode({ id: e.roomId, n: e.name, l: e.userLimit });
}

/** Parses an edit. */
export function decodeTempEdit(data: Uint8Array): Decoded<TempEdit> {
  return parse(data, (root) => ({ roomId: roomId(root.id), name: name(root.n), userLimit: limit(root.l) }));
}
