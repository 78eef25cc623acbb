/** The wire error code of each op refusal reason. */
import { ErrorCode } from '../../proto/index.ts';
import type { RejectCode } from '../../crdt/index.ts';

const CODES: Readonly<Record<RejectCode, ErrorCode>> = {
  malformed: ErrorCode.OP_MALFORMED,
  'too-large': ErrorCode.OP_TOO_LARGE,
  'wrong-relay': ErrorCode.OP_WRONG_RELAY,
  'unknown-key': ErrorCode.OP_UNKNOWN_KEY,
  replayed: ErrorCode.OP_REPLAYED,
  'bad-signature': ErrorCode.OP_BAD_SIGNATURE,
  forbidden: ErrorCode.OP_FORBIDDEN,
  'unknown-room': ErrorCode.OP_UNKNOWN_ROOM,
  cycle: ErrorCode.OP_CYCLE,
  'duplicate-name': ErrorCode.OP_DUPLICATE_NAME,
  'bad-name': ErrorCode.OP_BAD_NAME,
  'bad-value': ErrorCode.OP_BAD_VALUE,
  'room-full': ErrorCode.OP_ROOM_FULL,
  'root-protected': ErrorCode.OP_ROOT_PROTECTED,
  'room-exists': ErrorCode.OP_ROOM_EXISTS,
  internal: ErrorCode.INTERNAL,
};

/** `null` (applied) is 0. */
export function wireCode(code: RejectCode | null): ErrorCode {
  return code === null ? ErrorCode.UNSPECIFIED : CODES[code];
}
