/**
 * Visibility classes on the relay (docs/ARCHITECTURE.md, "Hidden rooms"):
 * which rooms each session may not see, and the projected tree and members
 * documents each class is served.
 *
 * The full tree document stays the one authority. A session whose hidden set
 * is empty (the class "everything", every session on a relay without a
 * `see` deny) is served the full documents unchanged, at no cost. Any other
 * session is served the {@link ClassView} of its hidden set: a
 * {@link TreeProjection} and a members document without the sessions in
 * hidden rooms. Both are written by the relay from its own state, never
 * derived from the full documents' bytes.
 *
 * Hidden sets are computed per subject signature (visible-set.ts), so a relay
 * evaluates a handful of subjects per change, not every session. Classes are
 * bounded: a class nobody is in is kept (so a reconnecting replica resumes in
 * its epoch) up to `maxIdleClasses`, oldest evicted first.
 */
import type { Rooms } from '../../crdt/index.ts';
import { Role as WireRole } from '../../proto/index.ts';
import type { Role, Subject } from '../../perms/index.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Member } from '../presence/presence.ts';
import { MembersDoc } from '../tree/members-doc.ts';
import { toHex } from '../../proto/bytes.ts';
import { TreeProjection } from './tree-projection.ts';
import { factsOf, hiddenKey, hiddenRooms, NOTHING_HIDDEN, permStateOf, signatureOf } from './visible-set.ts';
import type { Hidden, StateFacts } from './visible-set.ts';
import type { PermState } from '../../perms/index.ts';
import { encodeFullStep2 } from '../../crdt/index.ts';

/** Dependencies of a {@link Visibility}. */
export interface VisibilityDeps {
  /** The signed-in member behind a session, if any. */
  readonly memberOf: (session: Session) => Member | undefined;
  /** Password groups the relay admitted the session to (`${roomId}/${group}`), if any. */
  readonly passwordGroupsOf?: (session: Session) => ReadonlySet<string> | undefined;
  /** The full membership document's entries (session id → room id), to seed a class's members document. */
  readonly members: () => ReadonlyMap<number, string>;
  /** The full tree and members documents' epochs: no class may reuse them. */
  readonly fullEpochs: () => readonly number[];
  /** Classes nobody is in that are kept for reconnecting replicas (default 16). */
  readonly maxIdleClasses?: number;
  readonly membersCompactAfterDeletes?: number;
}

/** One class's documents. */
export class ClassView {
  readonly tree: TreeProjection;
  readonly members: MembersDoc;
  readonly sessions = new Set<Session>();
  /** Whose hidden set this class follows when nobody is in it. */
  subject: Subject;
  key: string;

  constructor(tree: TreeProjection, members: MembersDoc, subject: Subject, key: string) {
    this.tree = tree;
    this.members = members;
    this.subject = subject;
    this.key = key;
  }
}

/** A sync message for some sessions, in `doc`'s current epoch for them. */
export interface Delivery {
  readonly sessions: readonly Session[];
  readonly doc: 'tree' | 'members';
  readonly data: Uint8Array;
  readonly epoch: number;
}

/** A session whose hidden set changed: presence must tell it who appeared and vanished. */
export interface ClassChange {
  readonly session: Session;
  readonly before: Hidden;
  readonly after: Hidden;
}

/** What one change of state means for sessions. */
export interface Reprojection {
  readonly deliveries: Delivery[];
  readonly changes: ClassChange[];
}

const roleOf = (r: WireRole): Role => (r === WireRole.ADMIN ? 'admin' : r === WireRole.MEMBER ? 'member' : 'guest');

/** See the module comment. */
export class Visibility {
  readonly #deps: VisibilityDeps;
  #rooms: Rooms = new Map();
  #state: { perm: PermState; facts: StateFacts; bySignature: Map<string, Hidden> } | null = null;
  /** Each tracked session's class (null: everything) and hidden set. */
  readonly #of = new Map<Session, { view: ClassView | null; hidden: Hidden }>();
  readonly #byKey = new Map<string, ClassView>();
  /** Classes nobody is in, oldest first. */
  readonly #idle = new Set<ClassView>();

  constructor(deps: VisibilityDeps) {
    this.#deps = deps;
  }

  /** Follows `rooms` (the relay's live tree; at start and after a reload). */
  bind(rooms: Rooms): void {
    this.#rooms = rooms;
    this.#state = null;
  }

  /** Live classes other than "everything" (tests, metrics). */
  get classes(): number {
    return this.#byKey.size;
  }

  /** The subject the permission model judges for `session`, or null before sign-in. */
  subjectOf(session: Session): Subject | null {
    const m = this.#deps.memberOf(session);
    if (!m) return null;
    return { keyHex: toHex(m.publicKey), role: roleOf(m.role), roomId: m.roomId, passwordGroups: this.#deps.passwordGroupsOf?.(session) };
  }

  /** The rooms `session` may not see now. A session not signed in sees nothing but is never served anything either. */
  hiddenFor(session: Session): Hidden {
    const tracked = this.#of.get(session);
    if (tracked && this.#state) return tracked.hidden;
    const subject = this.subjectOf(session);
    return subject ? this.#hiddenOf(subject) : NOTHING_HIDDEN;
  }

  /** The rooms `subject` may not see now: the cluster writer judges a forwarded op with its submitter's view (no session here). */
  hiddenForSubject(subject: Subject): Hidden {
    return this.#hiddenOf(subject);
  }

  /** Whether `session` may see room `roomId`. */
  sees(session: Session, roomId: string): boolean {
    return !this.hiddenFor(session).has(roomId);
  }

  /** The class documents `session` is served, or null for the full documents. Assigns a class on first use. */
  viewOf(session: Session): ClassView | null {
    const tracked = this.#of.get(session);
    if (tracked && this.#state) return tracked.view;
    const subject = this.subjectOf(session);
    if (!subject) return null;
    const hidden = this.#hiddenOf(subject);
    const view = this.#assign(session, subject, hidden, tracked?.view ?? null);
    this.#of.set(session, { view, hidden });
    return view;
  }

  /**
   * After a durable batch changed `changed` (or rules, roles or rooms of
   * people changed: `changed` empty): every class follows, sessions whose
   * hidden set changed move class. Returns what to send.
   */
  reproject(changed: ReadonlySet<string>): Reprojection {
    this.#state = null;
    const deliveries: Delivery[] = [];
    const changes: ClassChange[] = [];
    // The common case, no rule hides anything and no class exists: everyone stays on the full documents.
    if (!this.#current().facts.hidesAnything && this.#byKey.size === 0) return { deliveries, changes };
    // Where each tracked session belongs now.
    const next = new Map<Session, { subject: Subject; hidden: Hidden }>();
    for (const session of this.#of.keys()) {
      const subject = this.subjectOf(session);
      if (subject) next.set(session, { subject, hidden: this.#hiddenOf(subject) });
    }
    const moving: Session[] = [];
    for (const view of [...this.#byKey.values()]) {
      const members = [...view.sessions].filter((s) => next.has(s));
      // The class follows the largest group of its sessions it can follow; the rest move.
      const groups = new Map<string, Session[]>();
      for (const s of members) {
        const k = hiddenKey(next.get(s)!.hidden);
        groups.set(k, [...(groups.get(k) ?? []), s]);
      }
      const target = members.length === 0 ? { subject: view.subject, hidden: this.#hiddenOf(view.subject) } : this.#pickTarget(view, groups, next);
      if (!target || target.hidden.size === 0 || !view.tree.canFollow(target.hidden) || (this.#byKey.get(hiddenKey(target.hidden)) ?? view) !== view) {
        moving.push(...members);
        this.#drop(view);
        continue;
      }
      const before = view.tree.hidden;
      const update = view.tree.follow(this.#rooms, changed, target.hidden);
      this.#rekey(view, hiddenKey(target.hidden));
      view.subject = target.subject;
      const stay = groups.get(view.key) ?? [];
      for (const s of members) if (!stay.includes(s)) moving.push(s);
      for (const s of stay) {
        view.sessions.add(s);
        const was = this.#of.get(s)!.hidden;
        this.#of.set(s, { view, hidden: target.hidden });
        if (was !== target.hidden && hiddenKey(was) !== view.key) changes.push({ session: s, before: was, after: target.hidden });
      }
      for (const s of members) if (!stay.includes(s)) view.sessions.delete(s);
      if (update) deliveries.push({ sessions: stay, doc: 'tree', data: update, epoch: view.tree.epoch });
      const added = this.#membersNowVisible(view, before);
      if (added) deliveries.push({ sessions: stay, doc: 'members', data: added.data, epoch: added.epoch });
      if (view.sessions.size === 0) this.#idle.add(view);
    }
    for (const [session, tracked] of this.#of) {
      if (tracked.view === null) moving.push(session);
    }
    for (const session of moving) {
      const n = next.get(session);
      if (!n) continue;
      const was = this.#of.get(session);
      const sameEverything = was?.view === null && n.hidden.size === 0;
      const view = sameEverything ? null : this.#assign(session, n.subject, n.hidden, was?.view ?? null);
      this.#of.set(session, { view, hidden: n.hidden });
      if (was && hiddenKey(was.hidden) !== hiddenKey(n.hidden)) changes.push({ session, before: was.hidden, after: n.hidden });
      if (sameEverything) continue;
      // A new class for this session: the whole documents, in their epochs (the replica drops the old one).
      deliveries.push(this.#whole(session, view, 'tree'), this.#whole(session, view, 'members'));
    }
    this.#evict();
    return { deliveries, changes };
  }

  /**
   * Forgets every class (the full document started a new epoch, or the tree
   * was reloaded): each session gets its class anew, with new epochs.
   */
  restart(): Reprojection {
    const hadClass: Session[] = [];
    for (const [session, tracked] of this.#of) {
      if (tracked.view) hadClass.push(session);
      tracked.view = null;
    }
    for (const view of [...this.#byKey.values()]) this.#drop(view);
    const out = this.reproject(new Set());
    // Those who now see everything were in a class: they need the full documents, in the full epochs.
    for (const session of hadClass) {
      if (this.#of.get(session)?.view !== null) continue;
      out.deliveries.push(this.#whole(session, null, 'tree'), this.#whole(session, null, 'members'));
    }
    return out;
  }

  /** Mirrors a session's room into every class's members document (null: gone). */
  memberMoved(sessionId: number, roomId: string | null): Delivery[] {
    const out: Delivery[] = [];
    for (const view of this.#byKey.values()) {
      const change = view.members.move(sessionId, roomId !== null && view.tree.hidden.has(roomId) ? null : roomId);
      if (change.kind !== 'none' && view.sessions.size > 0) out.push({ sessions: [...view.sessions], doc: 'members', data: change.data, epoch: change.epoch });
    }
    return out;
  }

  /** Whether a session's own room can change its hidden set (some rule depends on where people are). */
  get whereMatters(): boolean {
    return this.#current().facts.whereMatters;
  }

  sessionClosed(session: Session): void {
    const tracked = this.#of.get(session);
    this.#of.delete(session);
    const view = tracked?.view;
    if (!view) return;
    view.sessions.delete(session);
    if (view.sessions.size === 0) this.#idle.add(view);
    this.#evict();
  }

  #current(): { perm: PermState; facts: StateFacts; bySignature: Map<string, Hidden> } {
    if (!this.#state) {
      const perm = permStateOf(this.#rooms);
      this.#state = { perm, facts: factsOf(perm), bySignature: new Map() };
    }
    return this.#state;
  }

  #hiddenOf(subject: Subject): Hidden {
    const state = this.#current();
    if (!state.facts.hidesAnything) return NOTHING_HIDDEN;
    const sig = signatureOf(subject, state.facts);
    let hidden = state.bySignature.get(sig);
    if (!hidden) state.bySignature.set(sig, (hidden = hiddenRooms(state.perm, subject, state.facts)));
    return hidden;
  }

  /** The group of `view`'s sessions the class keeps following: its own key if anyone still has it, else the largest it can follow. */
  #pickTarget(view: ClassView, groups: Map<string, Session[]>, next: Map<Session, { subject: Subject; hidden: Hidden }>): { subject: Subject; hidden: Hidden } | null {
    let best: Session[] | null = null;
    for (const [key, sessions] of groups) {
      const h = next.get(sessions[0]!)!.hidden;
      if (h.size === 0 || !view.tree.canFollow(h)) continue;
      if ((this.#byKey.get(key) ?? view) !== view) continue;
      if (!best || sessions.length > best.length || key === view.key) best = sessions;
      if (key === view.key) break;
    }
    return best ? next.get(best[0]!)! : null;
  }

  /** Puts `session` in the class of `hidden` (an existing one, or a new one with a fresh epoch). */
  #assign(session: Session, subject: Subject, hidden: Hidden, from: ClassView | null): ClassView | null {
    if (from) {
      from.sessions.delete(session);
      if (from.sessions.size === 0) this.#idle.add(from);
    }
    if (hidden.size === 0) return null;
    const key = hiddenKey(hidden);
    let view = this.#byKey.get(key);
    if (!view) {
      const tree = new TreeProjection(this.#rooms, hidden, this.#freshEpoch());
      const members = new MembersDoc({ compactAfterDeletes: this.#deps.membersCompactAfterDeletes, epoch: this.#freshEpoch() });
      for (const [sid, roomId] of this.#deps.members()) if (!hidden.has(roomId)) members.move(sid, roomId);
      view = new ClassView(tree, members, subject, key);
      this.#byKey.set(key, view);
    }
    this.#idle.delete(view);
    view.sessions.add(session);
    this.#evict();
    return view;
  }

  /** Adds to a class's members document the sessions in rooms it could not see before. */
  #membersNowVisible(view: ClassView, before: Hidden): { data: Uint8Array; epoch: number } | null {
    let last: { data: Uint8Array; epoch: number } | null = null;
    const parts: Uint8Array[] = [];
    for (const [sid, roomId] of this.#deps.members()) {
      if (!before.has(roomId) || view.tree.hidden.has(roomId)) continue;
      const change = view.members.move(sid, roomId);
      if (change.kind === 'reset') return { data: change.data, epoch: change.epoch };
      if (change.kind === 'update') {
        parts.push(change.data);
        last = change;
      }
    }
    if (!last) return null;
    // Several updates: the whole members document is as cheap to send as their sum.
    return parts.length === 1 ? last : { data: encodeFullStep2(view.members.doc), epoch: view.members.epoch };
  }

  #whole(session: Session, view: ClassView | null, doc: 'tree' | 'members'): Delivery {
    const data = view ? encodeFullStep2(doc === 'tree' ? view.tree.doc : view.members.doc) : new Uint8Array(0);
    const epoch = view ? (doc === 'tree' ? view.tree.epoch : view.members.epoch) : 0;
    // An empty `data` with epoch 0 asks the caller for its full document (the class "everything").
    return { sessions: [session], doc, data, epoch };
  }

  #rekey(view: ClassView, key: string): void {
    if (view.key === key) return;
    if (this.#byKey.get(view.key) === view) this.#byKey.delete(view.key);
    view.key = key;
    this.#byKey.set(key, view);
  }

  #drop(view: ClassView): void {
    if (this.#byKey.get(view.key) === view) this.#byKey.delete(view.key);
    this.#idle.delete(view);
    view.tree.destroy();
  }

  #evict(): void {
    const max = this.#deps.maxIdleClasses ?? 16;
    for (const view of this.#idle) {
      if (this.#idle.size <= max) break;
      if (view.sessions.size === 0) this.#drop(view);
      else this.#idle.delete(view);
    }
  }

  #freshEpoch(): number {
    const used = new Set<number>([0, ...this.#deps.fullEpochs()]);
    for (const v of this.#byKey.values()) used.add(v.tree.epoch).add(v.members.epoch);
    for (;;) {
      const e = 1 + Math.floor(Math.random() * 0xffff_fffe);
      if (!used.has(e)) return e;
    }
  }
}
