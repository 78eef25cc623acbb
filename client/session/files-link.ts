/**
 * The session's file sharing: owns a FilesClient, created on first need (a
 * share, or a file post shown in chat) from a dynamic import so the first
 * page load does not carry the transfer engine. Routes the file control
 * messages (Envelope fields 120–128) to it, tells it about sign-in and
 * sign-out, turns chat posts into the cards the chat panel shows and the
 * stored files into the storage panel's list, and keeps the user's file
 * preferences (files-prefs.ts): the storage limit, automatic image
 * downloads, relay-only, hiding the address behind TURN, and the downloads a
 * reload resumes.
 */
import type { Envelope, EnvelopeInit, FileManifest, TurnCredentials } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { FileManifestFields } from '../../proto/file-manifest.ts';
import type { FileError } from '../files/file-errors.ts';
import type { Signer } from '../../keys/index.ts';
import { verifyEd25519 } from '../../keys/index.ts';
import type { FilesClient, FilesState } from '../files/files-client.ts';
import { shouldAutoDownload } from '../files/file-offer.ts';
import type { FileCardData, FileCommand, FilesStorageView } from './files-commands.ts';
import { memoryFilesPrefsStore, parseFilesPrefs, withWanted } from './files-prefs.ts';
import type { FilesPrefs, FilesPrefsStore } from './files-prefs.ts';
import { targetOf } from './chat/compose.ts';
import { OutgoingShares } from './files-outgoing.ts';
import type { OutgoingShareView } from './files-outgoing.ts';
import type { ChatState, ConversationKey } from './chat/chat-state.ts';
import { filesRtcConfig } from './files-rtc-config.ts';
import { CoalescedFlush } from '../../proto/coalesced-flush.ts';
import type { SwarmClock } from '../../files/index.ts';

export { filesRtcConfig, RELAY_ONLY_RTC } from './files-rtc-config.ts';

/** What a {@link FilesLink} needs from the session. */
export interface FilesLinkDeps {
  readonly signer: Signer;
  /** Posts the chat item carrying a manifest. */
  readonly postFile: (conversation: ConversationKey, text: string, id: Uint8Array, file: FileManifest) => void;
  /** File state changed: re-render. */
  readonly onChange: () => void;
  readonly now: () => number;
  /** OPFS directory / IndexedDB name (tests give each page its own). */
  readonly storeName?: string;
  /** Where the preferences persist; default in memory. */
  readonly prefsStore?: FilesPrefsStore;
  /** The browser's storage estimate (navigator.storage.estimate); none: not shown. */
  readonly estimate?: () => Promise<StorageEstimate>;
  /** The clock of the connect deadline. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/** The page hears of transfers and shares at most this often: each telling re-renders the app (40 a second took 40 % of a downloading page's main thread, D140). */
export const FILES_UI_INTERVAL_MS = 250;
/** The browser's storage estimate is asked at most this often while files change (it is an IPC round trip). */
export const ESTIMATE_INTERVAL_MS = 1000;

interface Known {
  readonly fields: FileManifestFields;
}

/** File sharing of one session, loaded lazily. */
export class FilesLink {
  readonly #deps: FilesLinkDeps;
  #conn: { relayKey: Uint8Array; send: (m: EnvelopeInit) => void } | null = null;
  /** The key of the relay last signed in to: kept while offline, so a file shared then is prepared and waits in the outbox. */
  #relayKey: Uint8Array | null = null;
  readonly #outgoing: OutgoingShares;
  /** The one loop preparing shares, while it runs. */
  #sharing: Promise<void> | null = null;
  #client: Promise<FilesClient> | null = null;
  #ready: FilesClient | null = null;
  #state: FilesState | null = null;
  /** Posts whose manifest was checked (hex id -> fields), and the ones being checked or refused. */
  readonly #known = new Map<string, Known>();
  #turn: TurnCredentials | undefined;
  readonly #tried = new Set<string>();
  readonly #prefsStore: FilesPrefsStore;
  #prefs: FilesPrefs;
  #estimate: StorageEstimate | null = null;
  /** An estimate is being asked for; `again`: something changed meanwhile. */
  #estimating: { again: boolean } | null = null;
  /** Tells the page (the first change after a quiet spell at once). */
  readonly #ui: CoalescedFlush;
  readonly #estimateSoon: CoalescedFlush;

  constructor(deps: FilesLinkDeps) {
    this.#deps = deps;
    this.#prefsStore = deps.prefsStore ?? memoryFilesPrefsStore();
    this.#prefs = parseFilesPrefs(this.#prefsStore.load());
    const clock: SwarmClock = {
      now: deps.now,
      setTimer: deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>)),
    };
    this.#ui = new CoalescedFlush(clock, FILES_UI_INTERVAL_MS, () => deps.onChange());
    this.#estimateSoon = new CoalescedFlush(clock, ESTIMATE_INTERVAL_MS, () => this.#refreshEstimate());
    this.#outgoing = new OutgoingShares(() => this.#ui.ask());
  }

  /** Shares not posted yet (being prepared, waiting their turn, or failed until dismissed), oldest first. */
  get outgoing(): readonly OutgoingShareView[] {
    return this.#outgoing.all;
  }

  /** The user's file preferences. */
  get prefs(): FilesPrefs {
    return this.#prefs;
  }

  /** What the storage panel shows. */
  get storage(): FilesStorageView {
    const s = this.#state;
    const self = this.#selfHex();
    let problem: FilesStorageView['problem'] = null;
    for (const f of s?.files.values() ?? []) {
      const code = f.transfer?.status === 'failed' ? f.transfer.error?.code : undefined;
      if (code === 'quota-exceeded' || code === 'browser-quota') problem = code;
    }
    return {
      usedBytes: s?.use.usedBytes ?? 0,
      quotaBytes: s?.use.quotaBytes ?? this.#prefs.quotaBytes,
      kind: s?.use.kind ?? 'unknown',
      browserUsage: this.#estimate?.usage ?? null,
      browserQuota: this.#estimate?.quota ?? null,
      files: (s?.use.files ?? []).map((f) => {
        const known = this.#known.get(f.fileId)?.fields;
        const t = s?.files.get(f.fileId)?.transfer;
        return { fileId: f.fileId, bytes: f.bytes, name: known?.name ?? null, own: known ? toHex(known.authorKey) === self : false, seeding: t?.seeding ?? false, complete: t?.status === 'complete' };
      }),
      autoImageBytes: this.#prefs.autoImageBytes,
      relayOnly: this.#prefs.relayOnly,
      turnOffered: this.#turn !== undefined && this.#turn.urls.length > 0,
      hideAddress: this.#prefs.hideAddress,
      problem,
    };
  }

  /** The loaded client's state, or null before it loads. */
  get state(): FilesState | null {
    return this.#state;
  }

  /** Signed in to a relay with `relayKey`. */
  connected(relayKey: Uint8Array, send: (m: EnvelopeInit) => void): void {
    this.#conn = { relayKey, send };
    this.#relayKey = relayKey;
    this.#ready?.connected();
    // Files shared before this page ever signed in waited for the relay's key.
    if (this.#outgoing.all.some((s) => s.status === 'queued')) void this.#runShares();
  }

  disconnected(): void {
    this.#conn = null;
    this.#ready?.disconnected();
  }

  /** Routes a file control message; false for anything else. */
  handle(msg: Envelope['msg']): boolean {
    if (!msg.case?.startsWith('file')) return false;
    // Before the client loads nothing is held or wanted here, so nothing is lost.
    this.#ready?.handle(msg);
    return true;
  }

  /**
   * Shares each of `files` in `conversation` (a post per file), one after
   * another, each shown in {@link outgoing} until posted; resolves when the
   * queue is empty (or waits for a first sign-in). Failures stay in
   * `outgoing` with their code; nothing rejects.
   */
  async share(conversation: ConversationKey, files: readonly File[]): Promise<void> {
    if (!targetOf(conversation)) return;
    for (const file of files) this.#outgoing.add(conversation, file);
    await this.#runShares();
  }

  #runShares(): Promise<void> {
    this.#sharing ??= (async () => {
      try {
        for (;;) {
          let client: FilesClient | null;
          try {
            client = await this.#load();
          } catch (e) {
            // No store to prepare into (a private window, storage turned off): every waiting share says so.
            for (let s = this.#outgoing.take(); s; s = this.#outgoing.take()) this.#outgoing.failed(s.id, (e as Partial<FileError>).code ?? 'storage-unavailable');
            return;
          }
          // Never signed in on this page: the relay's key is not known yet; connected() starts again.
          if (!client) return;
          const next = this.#outgoing.take();
          if (!next) return;
          await this.#shareOne(client, next);
        }
      } finally {
        this.#sharing = null;
      }
    })();
    return this.#sharing;
  }

  async #shareOne(client: FilesClient, s: NonNullable<ReturnType<OutgoingShares['take']>>): Promise<void> {
    const target = targetOf(s.conversation)!;
    try {
      const hex = await client.share(s.conversation, target, s.file, { signal: s.signal, onProgress: (p) => this.#outgoing.progress(s.id, p.doneBytes) });
      this.#outgoing.done(s.id);
      const raw = client.manifestOf(hex);
      if (raw) await this.#learn(client, raw, hex, this.#selfHex());
    } catch (e) {
      const code = (e as Partial<FileError>).code ?? 'share-failed';
      if (code === 'cancelled' || s.signal.aborted) return;
      if (code === 'share-failed') console.warn(`file share failed [reason:${String((e as Error).cause ?? e)}]`);
      this.#outgoing.failed(s.id, code);
    }
  }

  /** The file name of a checked post, or null. */
  cardName(hex: string): string | null {
    return this.#known.get(hex)?.fields.name ?? null;
  }

  /** Carries out what a file card or the storage panel asked. */
  async command(cmd: FileCommand): Promise<Blob | null> {
    if (cmd.type === 'file-share-cancel' || cmd.type === 'file-share-dismiss') {
      if (cmd.type === 'file-share-cancel') this.#outgoing.cancel(cmd.shareId);
      else this.#outgoing.dismiss(cmd.shareId);
      return null;
    }
    // Preferences apply whether or not the file code has loaded (it reads them when it does).
    if (cmd.type === 'file-set-quota') this.#setPrefs({ ...this.#prefs, quotaBytes: Math.max(0, cmd.bytes) });
    if (cmd.type === 'file-set-auto-image') this.#setPrefs({ ...this.#prefs, autoImageBytes: Math.max(0, cmd.bytes) });
    if (cmd.type === 'file-set-relay-only' || cmd.type === 'file-set-hide-address') {
      this.#setPrefs(cmd.type === 'file-set-relay-only' ? { ...this.#prefs, relayOnly: cmd.on } : { ...this.#prefs, hideAddress: cmd.on });
      this.#ready?.setRtcConfig(this.#rtcConfig());
    }
    const client = await this.#load();
    if (!client) return null;
    switch (cmd.type) {
      case 'file-download':
        await client.download(cmd.fileId);
        return null;
      case 'file-cancel':
        client.cancel(cmd.fileId);
        return null;
      case 'file-save':
        return client.blob(cmd.fileId);
      case 'file-stop-sharing':
      case 'file-stop-seeding':
        client.stopSeeding(cmd.fileId);
        return null;
      case 'file-resume-seeding':
        client.resumeSeeding(cmd.fileId);
        return null;
      case 'file-remove':
        await client.remove(cmd.fileId);
        return null;
      case 'file-set-quota':
        client.setQuota(this.#prefs.quotaBytes);
        return null;
      case 'file-refresh-storage':
        this.#refreshEstimate();
        return null;
      case 'file-set-auto-image':
      case 'file-set-relay-only':
      case 'file-set-hide-address':
        return null;
    }
  }

  #setPrefs(next: FilesPrefs): void {
    this.#prefs = next;
    this.#prefsStore.save(next);
    this.#deps.onChange();
  }

  /** The relay's short-lived credentials for its coturn (AuthOk.turn, then TurnCredentials refreshes); undefined: none configured. */
  setTurn(turn: TurnCredentials | undefined): void {
    this.#turn = turn;
    this.#ready?.setRtcConfig(this.#rtcConfig());
    // The storage panel offers "Hide my IP address" only while TURN is offered.
    this.#deps.onChange();
  }

  /** The ICE configuration new file connections get now (filesRtcConfig of the preferences and the latest credentials). */
  get rtcConfig(): RTCConfiguration | undefined {
    return this.#rtcConfig();
  }

  #rtcConfig(): RTCConfiguration | undefined {
    return filesRtcConfig(this.#prefs, this.#turn);
  }

  /** Asks the browser how much the site stores; one question at a time, asked again if files changed meanwhile. */
  #refreshEstimate(): void {
    const estimate = this.#deps.estimate;
    if (!estimate) return;
    if (this.#estimating) {
      this.#estimating.again = true;
      return;
    }
    const run = { again: false };
    this.#estimating = run;
    void estimate()
      .then((e) => (this.#estimate = e))
      .catch(() => {})
      .finally(() => {
        this.#estimating = null;
        this.#ui.ask();
        if (run.again) this.#refreshEstimate();
      });
  }

  /** The cards of every loaded file post (messages and pending posts) by id; unknown manifests are checked in the background. */
  cards(chat: ChatState): Map<string, FileCardData> {
    const out = new Map<string, FileCardData>();
    for (const c of chat.conversations.values()) {
      for (const m of c.messages) if (m.file && !m.deleted) this.#card(out, m.id, m.file, m.authorKeyHex, m.authorName, m.own, false);
      for (const p of c.pending) if (p.file) this.#card(out, p.id, p.file, this.#selfHex(), '', true, true);
    }
    return out;
  }

  #card(out: Map<string, FileCardData>, id: string, raw: FileManifest, authorHex: string, senderName: string, own: boolean, pending: boolean): void {
    const known = this.#known.get(id);
    if (!known) {
      if (!this.#tried.has(id) && this.#relayKey) {
        this.#tried.add(id);
        void this.#load().then((client) => client && this.#learn(client, raw, id, authorHex));
      }
      return;
    }
    const entry = this.#state?.files.get(id);
    const f = known.fields;
    out.set(id, {
      offer: { fileId: id, name: f.name, size: Number(f.size), type: f.type, senderName, own, pending },
      transfer: entry?.transfer ?? null,
      availability: entry?.availability ?? 'unknown',
      previewUrl: entry?.url ?? null,
    });
  }

  async #learn(client: FilesClient, raw: FileManifest, hex: string, authorHex: string): Promise<void> {
    const fields = await client.learn(raw, hex, authorHex);
    if (fields) {
      this.#known.set(hex, { fields });
      const offer = { fileId: hex, name: fields.name, size: Number(fields.size), type: fields.type, senderName: '', own: authorHex === this.#selfHex(), pending: false };
      const status = client.state.files.get(hex)?.transfer?.status;
      if ((status === 'idle' || status === undefined) && shouldAutoDownload(offer, this.#prefs.autoImageBytes)) await client.download(hex);
    }
    this.#deps.onChange();
  }

  #selfHex(): string {
    return toHex(this.#deps.signer.publicKey);
  }

  /** The client, loading it on first call; null before the first sign-in (the relay key signs everything). */
  #load(): Promise<FilesClient | null> {
    if (this.#client) return this.#client;
    const relayKey = this.#relayKey;
    if (!relayKey) return Promise.resolve(null);
    this.#client = (async () => {
      const { FilesClient, openChunkStore } = await import('../files/index.ts');
      const store = await openChunkStore({ quotaBytes: this.#prefs.quotaBytes, ...(this.#deps.storeName ? { name: this.#deps.storeName } : {}) });
      const rtcConfig = this.#rtcConfig();
      const client = new FilesClient({
        relayKey,
        selfKey: this.#deps.signer.publicKey,
        sign: (m) => this.#deps.signer.sign(m),
        verify: verifyEd25519,
        store,
        send: (m) => {
          if (!this.#conn) return false;
          this.#conn.send(m);
          return true;
        },
        postFile: (conversation, text, id, file) => this.#deps.postFile(conversation as ConversationKey, text, id, file),
        now: this.#deps.now,
        onChange: (s) => {
          const stored = s.use.usedBytes !== this.#state?.use.usedBytes;
          this.#state = s;
          if (stored) this.#estimateSoon.ask();
          this.#ui.ask();
        },
        wanted: {
          has: (hex) => this.#prefs.wanted.includes(hex),
          set: (hex, on) => {
            if (this.#prefs.wanted.includes(hex) !== on) this.#setPrefs(withWanted(this.#prefs, hex, on));
          },
        },
        ...(rtcConfig ? { rtcConfig } : {}),
        ...(this.#deps.setTimer ? { setTimer: this.#deps.setTimer } : {}),
        ...(this.#deps.clearTimer ? { clearTimer: this.#deps.clearTimer } : {}),
      });
      this.#ready = client;
      this.#state = client.state;
      if (this.#conn) client.connected();
      return client;
    })();
    return this.#client;
  }
}
