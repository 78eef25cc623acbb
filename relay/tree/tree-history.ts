/**
 * Serving OpHistoryRequest for the tree service: who may read the audit log
 * (admins), whether the socket can take a page now, and which entries the
 * reader's visibility leaves out. The page itself is cut in op-history.ts.
 */
import { decodeOpBody } from '../../crdt/index.ts';
import type { Actor } from '../../crdt/index.ts';
import { ErrorCode, MAX_CONTROL_FRAME_BYTES } from '../../proto/index.ts';
import type { OpHistoryRequest } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Roster } from '../presence/roster.ts';
import type { Store } from '../storage/store.ts';
import { hiddenRoomNamed } from '../visibility/op-rooms.ts';
import type { Visibility } from '../visibility/visibility.ts';
import { opHistoryPage } from './op-history.ts';

/** What {@link serveHistory} needs. */
export interface HistoryDeps {
  readonly store: Store;
  readonly roster: Roster;
  readonly visibility: Visibility;
  readonly actorOf: (keyHex: string) => Actor | null;
}

/** Answers one request for a page of the audit log. */
export async function serveHistory(deps: HistoryDeps, session: Session, msg: OpHistoryRequest): Promise<void> {
  const member = deps.roster.member(session);
  const actor = member && deps.actorOf(toHex(member.publicKey));
  if (actor?.role !== 'admin') {
    session.send({ case: 'opHistory', value: { entries: [], more: false, code: ErrorCode.FORBIDDEN } });
    return;
  }
  if (!session.hasRoomForOptional(MAX_CONTROL_FRAME_BYTES)) {
    session.refuseOptional({ case: 'opHistory', value: { entries: [], more: true, code: ErrorCode.SLOW_DOWN } });
    return;
  }
  const hidden = deps.visibility.hiddenFor(session);
  // Entries naming a room the reader may not see are left out (admins see everything; this is the rule if that changes).
  const keep =
    hidden.size === 0
      ? undefined
      : (body: Uint8Array): boolean => {
          const op = decodeOpBody(body);
          return op.ok && hiddenRoomNamed(op.value, hidden) === null && !(op.value.kind === 'room.create' && hidden.has(op.value.args.roomId));
        };
  const { entries, more } = await opHistoryPage(deps.store, msg, keep);
  session.sendOptional({ case: 'opHistory', value: { entries, more, code: ErrorCode.UNSPECIFIED } }, () => ({
    case: 'opHistory',
    value: { entries: [], more: true, code: ErrorCode.SLOW_DOWN },
  }));
}
