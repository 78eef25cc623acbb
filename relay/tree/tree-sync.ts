/**
 * Serving the room tree's documents to sessions (for the tree service,
 * tree-service.ts): who subscribed to which document, answering a client's
 * y-protocols message with the projection of its visibility class
 * (relay/visibility/), sending updates to the subscribers, and keeping the
 * membership document and the classes in step with where people are. The
 * service hands in the documents it owns; this keeps only the subscriptions.
 */
import type * as Y from 'yjs';
import { DOC_NAMES, encodeFullStep2, MEMBERS_DOC, serverHandleSync } from '../../crdt/index.ts';
import { ErrorCode } from '../../proto/index.ts';
import type { CrdtSync } from '../../proto/index.ts';
import type { Session } from '../connection/client-connection.ts';
import { crdtSyncFrames } from '../connection/paged-frames.ts';
import type { DropStats } from '../stats.ts';
import { deliver } from '../visibility/class-sync.ts';
import type { Reprojection, Visibility } from '../visibility/visibility.ts';
import type { MembersDoc } from './members-doc.ts';
import type { Roster } from '../presence/roster.ts';

/** The full documents as the tree service holds them now (read at each call: they are replaced on a new epoch or a reload). */
export interface FullDocs {
  readonly members: MembersDoc;
  readonly tree: () => Y.Doc;
  readonly treeEpoch: () => number;
}

/** What {@link TreeSync} needs. */
export interface TreeSyncDeps {
  readonly docs: FullDocs;
  readonly visibility: Visibility;
  readonly stats: DropStats;
  /** Presence follows class changes (who may see whom). */
  readonly roster: Roster;
  /** Bytes of sync data one CrdtSync frame may carry; longer messages go in chunks (proto/sync-chunks.ts). */
  readonly pageBytes: number;
}

/** See the module comment. */
export class TreeSync {
  readonly #deps: TreeSyncDeps;
  readonly #subscribers = new Map<Session, Set<string>>();

  constructor(deps: TreeSyncDeps) {
    this.#deps = deps;
  }

  /** A client's y-protocols message for one document. */
  sync(session: Session, msg: CrdtSync): void {
    const { stats, visibility, docs } = this.#deps;
    if (!DOC_NAMES.includes(msg.doc)) {
      stats.frame('bad-request', session.connId, 'unknown doc');
      session.sendError(ErrorCode.BAD_REQUEST, 'unknown document', 'crdt_sync');
      return;
    }
    const members = msg.doc === MEMBERS_DOC;
    // A session that may not see some rooms is served its class's projections, never the full documents.
    const view = visibility.viewOf(session);
    const membersDoc = view ? view.members : docs.members;
    const treeDoc = view ? view.tree.doc : docs.tree();
    const epoch = members ? membersDoc.epoch : view ? view.tree.epoch : docs.treeEpoch();
    let result = members ? membersDoc.reply(msg.data) : serverHandleSync(treeDoc, msg.data);
    // A replica of another tree epoch (or class): its state vector means nothing here, so it gets the whole document.
    if (!members && result.kind === 'reply' && msg.epoch !== epoch) result = { kind: 'reply', data: encodeFullStep2(treeDoc) };
    if (result.kind === 'malformed') {
      stats.frame('malformed', session.connId, 'sync message');
      session.sendError(ErrorCode.MALFORMED, 'undecodable sync message', 'crdt_sync');
      return;
    }
    if (result.kind === 'ignored') {
      stats.frame('read-only-sync', session.connId);
      return;
    }
    let subscribed = this.#subscribers.get(session);
    if (!subscribed) this.#subscribers.set(session, (subscribed = new Set()));
    subscribed.add(msg.doc);
    for (const frame of crdtSyncFrames(msg.doc, result.data, epoch, this.#deps.pageBytes)) session.sendEncoded(frame);
  }

  /** Sends one y-protocols message to every subscriber of `doc` served the full documents. */
  broadcast(doc: string, data: Uint8Array, epoch: number): void {
    // Encoded once; a session gets every chunk at once, so chunks of two messages never interleave.
    // Only sessions served the full documents: a class gets its own projection's messages (deliver).
    const frames = crdtSyncFrames(doc, data, epoch, this.#deps.pageBytes);
    const visibility = this.#deps.visibility;
    for (const [session, docs] of this.#subscribers) if (docs.has(doc) && visibility.viewOf(session) === null) for (const frame of frames) session.sendEncoded(frame);
  }

  /** Sends a reprojection's documents to the subscribed sessions of each class and has presence follow its class changes. */
  deliver(re: Reprojection): void {
    const { docs } = this.#deps;
    deliver(re.deliveries, {
      subscribed: (s, doc) => this.#subscribers.get(s)?.has(doc) ?? false,
      full: (doc) => (doc === MEMBERS_DOC ? { data: encodeFullStep2(docs.members.doc), epoch: docs.members.epoch } : { data: encodeFullStep2(docs.tree()), epoch: docs.treeEpoch() }),
      pageBytes: this.#deps.pageBytes,
    });
    for (const c of re.changes) this.#deps.roster.visibilityChanged(c.session, c.before, c.after);
  }

  /** Mirrors a session's room into the membership document (null: gone). */
  memberMoved(sessionId: number, roomId: string | null): void {
    const { docs, visibility } = this.#deps;
    const change = docs.members.move(sessionId, roomId);
    if (change.kind !== 'none') this.broadcast(MEMBERS_DOC, change.data, change.epoch);
    this.deliver({ deliveries: visibility.memberMoved(sessionId, roomId), changes: [] });
    // Rules that depend on where people are: a move can change what the mover sees.
    if (roomId !== null && visibility.whereMatters) this.refresh();
  }

  /** Visibility changed without a tree batch: every class follows, sessions whose visibility changed get new epochs live. */
  refresh(): void {
    this.deliver(this.#deps.visibility.reproject(new Set()));
  }

  /** A session signed in: it gets its visibility class now, so later rule changes reach it even before it syncs. */
  admitted(session: Session): void {
    this.#deps.visibility.viewOf(session);
    this.#deps.roster.keepOutOf(session, this.#deps.visibility.hiddenFor(session));
  }

  /** Forgets a closed session. */
  sessionClosed(session: Session): void {
    this.#subscribers.delete(session);
    this.#deps.visibility.sessionClosed(session);
  }
}
