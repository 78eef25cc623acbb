/**
 * Users that follow room placement as the web client does (client/session/
 * connection/steering.ts), for tests and bench:cluster: on a RoomPlacement
 * for their room they connect to the named relay with the same key, join the
 * room, open voice, then close the old connection. Real TestClients; nothing
 * here waits for time, only for messages.
 */
import type { KeyObject } from 'node:crypto';
import { connectClient, rawPublicKeyOf } from './relay-client.ts';
import type { TestClient } from './relay-client.ts';

/** One user: one key, its current connection, the last relay URL a relay advised for its room. */
export interface PlacedUser {
  readonly name: string;
  readonly key: KeyObject;
  readonly roomId: string;
  client: TestClient;
  url: string;
  advice: string | null;
}

/** A set of users and the wake-up their advice gives. */
export class PlacedUsers {
  readonly users: PlacedUser[] = [];
  readonly #waitMs: number;
  #wake: () => void = () => {};

  constructor(waitMs = 30_000) {
    this.#waitMs = waitMs;
  }

  /** Connects `u` to `url`, in its room with voice open, recording the advice it gets. */
  async connect(u: PlacedUser, url: string): Promise<TestClient> {
    const client = await connectClient(url, { name: u.name, key: u.key, timeoutMs: this.#waitMs });
    client.socket.tap((m) => {
      if (m.case !== 'roomPlacement' || m.value.roomId !== u.roomId) return;
      u.advice = m.value.relayUrl;
      this.#wake();
    });
    await client.join(u.roomId);
    await client.openVoice();
    u.client = client;
    u.url = url;
    return client;
  }

  /** A new user at `url`. */
  async add(name: string, key: KeyObject, roomId: string, url: string): Promise<PlacedUser> {
    const u: PlacedUser = { name, key, roomId, advice: null, url, client: null as unknown as TestClient };
    await this.connect(u, url);
    this.users.push(u);
    return u;
  }

  /** Follows advice: new connection first, old one closed; resolves once the new relay no longer shows the old session. */
  async move(u: PlacedUser, url: string): Promise<void> {
    u.advice = null;
    const old = u.client;
    const next = await this.connect(u, url);
    const me = Buffer.from(rawPublicKeyOf(u.key)).toString('hex');
    const stale = next.roster.filter((x) => Buffer.from(x.publicKey).toString('hex') === me && x.sessionId !== next.sessionId).map((x) => x.sessionId);
    const gone = stale.map((id) => next.next('userLeft', (l) => l.sessionId === id, this.#waitMs));
    await old.close();
    await Promise.all(gone);
  }

  /**
   * Follows the relays' advice until each room's users are on one relay;
   * returns the moves it took. A move whose relay cannot be reached (a holder
   * that just died is still advised until its lease is seen to lapse) is not
   * followed: the user stays where it is and waits for the next advice, as a
   * client does when the advised relay refuses the connection.
   */
  async settle(): Promise<number> {
    let moves = 0;
    let failed = '';
    for (;;) {
      const spread = [...this.#byRoom().values()].some((us) => new Set(us.map((u) => u.url)).size > 1);
      if (!spread) return moves;
      const advised = this.users.find((u) => u.advice !== null && u.advice !== u.url);
      if (advised) {
        const to = advised.advice!;
        try {
          await this.move(advised, to);
          moves++;
        } catch (e) {
          if (advised.advice === to) advised.advice = null;
          failed = `; last failed move: ${advised.name} to ${to}: ${(e as Error).message}`;
        }
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not placed: ${this.users.map((u) => `${u.name}:${u.roomId}@${u.url}`).join(', ')}${failed}`)), this.#waitMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  #byRoom(): Map<string, PlacedUser[]> {
    const rooms = new Map<string, PlacedUser[]>();
    for (const u of this.users) rooms.set(u.roomId, [...(rooms.get(u.roomId) ?? []), u]);
    return rooms;
  }
}
