/**
 * A voice worker's copy of the voice-relevant presence: each session's room
 * (voice id), mute and deafen state, and which worker holds its
 * PeerConnection. The main process keeps it current with `presence` and
 * `placed` messages. Rooms index their members by place: the ones on this
 * worker (the router fans out to those) and, per other worker, how many are
 * there (one loopback copy goes to each such worker). Pure: no I/O.
 */
import type { VoiceDirectory } from '../router.ts';
import type { VoiceRoute, VoiceSender } from '../../presence/presence.ts';

/** A room as this worker sees it. */
export interface MirrorRoom extends VoiceRoute {
  /** Members on this worker. */
  readonly members: Set<MirrorSession>;
  /** Other worker index -> members there. */
  readonly remote: Map<number, number>;
}

interface MirrorSession {
  readonly sessionId: number;
  muted: boolean;
  deafened: boolean;
  voiceId: number;
  /** Worker holding its PeerConnection, -1 for none. */
  worker: number;
  /** The room it is indexed in (voiceId's room), null while not indexed. */
  room: MirrorRoom | null;
}

/** The voice presence mirror of worker `self`. */
export class VoiceMirror implements VoiceDirectory {
  readonly #self: number;
  readonly #sessions = new Map<number, MirrorSession>();
  readonly #rooms = new Map<number, MirrorRoom>();

  constructor(self: number) {
    this.#self = self;
  }

  /** Applies a presence change; `voiceId` 0 means the session left. */
  presence(sessionId: number, voiceId: number, muted: boolean, deafened: boolean): void {
    if (voiceId === 0) {
      const s = this.#sessions.get(sessionId);
      if (!s) return;
      this.#unindex(s);
      this.#sessions.delete(sessionId);
      return;
    }
    const s = this.#session(sessionId);
    this.#unindex(s);
    s.voiceId = voiceId;
    // Deafened implies muted, as in Presence.
    s.muted = muted || deafened;
    s.deafened = deafened;
    this.#index(s);
  }

  /** Records which worker holds the session's PeerConnection (-1: none). */
  placed(sessionId: number, worker: number): void {
    const s = worker < 0 ? this.#sessions.get(sessionId) : this.#session(sessionId);
    if (!s) return;
    this.#unindex(s);
    s.worker = worker;
    this.#index(s);
  }

  /** Forgets every placement on `worker` (it died). */
  workerGone(worker: number): void {
    for (const s of this.#sessions.values()) if (s.worker === worker) this.placed(s.sessionId, -1);
  }

  /** The room with this voice id, if any session is in it. */
  route(voiceId: number): MirrorRoom | undefined {
    return this.#rooms.get(voiceId);
  }

  voiceSender(sessionId: number): VoiceSender | undefined {
    const s = this.#sessions.get(sessionId);
    const room = s?.voiceId ? this.#rooms.get(s.voiceId) : undefined;
    return s && room ? { muted: s.muted, room } : undefined;
  }

  #session(sessionId: number): MirrorSession {
    let s = this.#sessions.get(sessionId);
    if (!s) {
      s = { sessionId, muted: true, deafened: false, voiceId: 0, worker: -1, room: null };
      this.#sessions.set(sessionId, s);
    }
    return s;
  }

  #index(s: MirrorSession): void {
    if (s.voiceId === 0) return;
    let room = this.#rooms.get(s.voiceId);
    if (!room) {
      room = { voiceId: s.voiceId, members: new Set(), remote: new Map() };
      this.#rooms.set(s.voiceId, room);
    }
    s.room = room;
    if (s.worker === this.#self) room.members.add(s);
    else if (s.worker >= 0) room.remote.set(s.worker, (room.remote.get(s.worker) ?? 0) + 1);
  }

  #unindex(s: MirrorSession): void {
    const room = s.room;
    if (!room) return;
    s.room = null;
    if (s.worker === this.#self) room.members.delete(s);
    else if (s.worker >= 0) {
      const n = (room.remote.get(s.worker) ?? 0) - 1;
      if (n > 0) room.remote.set(s.worker, n);
      else room.remote.delete(s.worker);
    }
  }
}
