/**
 * Tells the user they were mentioned: a short two-tone chime through
 * WebAudio, and the unread count in the page title (the tab badge). Owned by
 * <parley-app>; the AudioContext is made on the first chime, which always
 * follows the Connect click, so browsers allow it to play.
 */

/** Plays chimes and keeps the document title's badge. */
export class MentionNotifier {
  #context: AudioContext | null = null;
  readonly #doc: Document;

  constructor(doc: Document = document) {
    this.#doc = doc;
  }

  /** Plays a soft ~200 ms chime. Never throws (no audio output is not an error). */
  chime(): void {
    try {
      const ctx = (this.#context ??= new AudioContext());
      void ctx.resume().catch(() => {});
      const t = ctx.currentTime;
      const gain = ctx.createGain();
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.15, t + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.22);
      gain.connect(ctx.destination);
      for (const [freq, at] of [[880, 0], [1320, 0.08]] as const) {
        const osc = ctx.createOscillator();
        osc.frequency.value = freq;
        osc.connect(gain);
        osc.start(t + at);
        osc.stop(t + 0.22);
      }
    } catch {
      // No audio device or no WebAudio: the title badge still tells.
    }
  }

  /** Shows `(n) ` before `title` while there are unread messages. */
  setTitle(title: string, unread: number): void {
    const next = unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${title}` : title;
    if (this.#doc.title !== next) this.#doc.title = next;
  }

  /** Releases the audio context. */
  close(): void {
    void this.#context?.close().catch(() => {});
    this.#context = null;
  }
}
