/**
 * Chat in rooms that are never stored (temporary rooms, issue 15, D108): the
 * seqs and item ids the chat service needs to number posts and answer a
 * retried id, held in memory only and dropped when the room goes. The text
 * itself is not kept anywhere: a post is delivered and forgotten.
 *
 * The chat service runs such a post through every check and the same judge
 * as any room post, then numbers it here instead of storing it, delivers it
 * only to the people in the room, and answers its history with an empty
 * page. Such a room exists on one relay only, so its items are never
 * forwarded to a cluster's writer.
 */

/** Item ids remembered per room (retries are answered from them); older ones are forgotten first. */
export const LIVE_IDS_PER_ROOM = 1_000;

/** What is known of one delivered live post. */
export interface LiveEntry {
  readonly conv: string;
  readonly seq: number;
  readonly author: string;
}

interface LiveConversation {
  last: number;
  /** Id hex, oldest first (a Set keeps insertion order). */
  readonly ids: Set<string>;
}

/** See the module comment. */
export class LiveChat {
  readonly #convs = new Map<string, LiveConversation>();
  readonly #ids = new Map<string, LiveEntry>();

  /** The post `idHex` already delivered, if it is still remembered. */
  lookup(idHex: string): LiveEntry | undefined {
    return this.#ids.get(idHex);
  }

  /** Numbers a new post of `author` in `conv` and remembers its id; returns its seq (1, 2, 3... per room). */
  post(conv: string, idHex: string, author: string): number {
    let c = this.#convs.get(conv);
    if (!c) this.#convs.set(conv, (c = { last: 0, ids: new Set() }));
    const seq = ++c.last;
    c.ids.add(idHex);
    this.#ids.set(idHex, { conv, seq, author });
    if (c.ids.size > LIVE_IDS_PER_ROOM) {
      const oldest = c.ids.values().next().value as string;
      c.ids.delete(oldest);
      this.#ids.delete(oldest);
    }
    return seq;
  }

  /** Forgets everything of `conv` (its room is gone). */
  forget(conv: string): void {
    const c = this.#convs.get(conv);
    if (!c) return;
    for (const id of c.ids) this.#ids.delete(id);
    this.#convs.delete(conv);
  }
}
