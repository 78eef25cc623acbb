import { LitElement, css, html, nothing } from 'lit';
import { cardAction, fileErrorText } from '../../files/index.ts';
import type { FileAvailability, FileOffer, TransferView } from '../../files/index.ts';
import { FileCommandEvent } from '../file-events.ts';
import type { FileCommand } from '../file-events.ts';
import { formatBytes, formatSeconds } from './file-format.ts';

const peersText = (n: number): string => `${n} ${n === 1 ? 'peer' : 'peers'}`;

/** Which path carries the bytes, in words: "direct from 2 peers", "through the relay". */
export function pathText(p: TransferView['progress']): string {
  switch (p.path) {
    case 'direct':
      return `direct from ${peersText(p.directPeers)}`;
    case 'relay':
      return 'through the relay (no direct connection was possible)';
    case 'mixed':
      return `direct from ${peersText(p.directPeers)} and through the relay`;
    case 'none':
      return '';
  }
}

/** What a finished download says: which path it took, and whether it is served on. */
function doneText(t: TransferView): string {
  const p = t.progress;
  const path = p.fetchedChunks === 0 ? '' : p.relayChunks === p.fetchedChunks ? ' through the relay' : p.relayChunks > 0 ? ', partly through the relay' : ' directly from other browsers';
  return `Downloaded${path}${t.seeding ? ', and shared with others who ask' : ''}.`;
}

/**
 * One shared file in the chat log: name, size, type, sender; Download, a
 * progress bar with speed, peers and time left, Cancel, Save; a preview of
 * images and audio once fetched; why it waits when nobody can give it; stop
 * sharing or seeding. Every button's accessible name says which file it acts on.
 * @fires file-command - a FileCommandEvent
 */
export class ParleyFileCard extends LitElement {
  static override properties = {
    offer: { attribute: false },
    transfer: { attribute: false },
    availability: { type: String },
    previewUrl: { attribute: false },
  };

  declare offer: FileOffer;
  declare transfer: TransferView | null;
  declare availability: FileAvailability;
  /** Object URL of the fetched bytes (images and audio are previewed). */
  declare previewUrl: string | null;

  constructor() {
    super();
    this.transfer = null;
    this.availability = 'unknown';
    this.previewUrl = null;
  }

  static override styles = css`
    :host { display: block; margin-top: 0.25rem; max-width: 100%; }
    .card { border: 1px solid var(--border); border-radius: 8px; padding: 0.5rem 0.6rem; background: var(--bg); display: grid; gap: 0.35rem; min-width: 0; }
    .name { font-weight: 600; overflow-wrap: anywhere; }
    .meta, .status { font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
    .waiting, .error { font-size: 0.85rem; }
    .error { color: var(--danger-fg); }
    progress { width: 100%; height: 0.8rem; }
    .buttons { display: flex; flex-wrap: wrap; gap: 0.35rem; }
    button { font: inherit; font-size: 0.85rem; padding: 0.3rem 0.7rem; min-height: 36px; border-radius: 8px; border: 1px solid var(--border); background: var(--panel); color: var(--fg); cursor: pointer; }
    button.primary { border-color: var(--accent); color: var(--accent); font-weight: 600; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    img { max-width: 100%; max-height: 16rem; border-radius: 6px; object-fit: contain; }
    audio { width: 100%; }
  `;

  #emit(type: Extract<FileCommand, { fileId: string }>['type']): void {
    this.dispatchEvent(new FileCommandEvent({ type, fileId: this.offer.fileId }));
  }

  #progress(t: TransferView) {
    const p = t.progress;
    const pct = p.totalBytes ? Math.floor((p.heldBytes / p.totalBytes) * 100) : 100;
    const parts = [`${formatBytes(p.heldBytes)} of ${formatBytes(p.totalBytes)}`];
    if (t.status === 'downloading') {
      parts.push(`${formatBytes(p.bytesPerSecond)}/s`, `${formatSeconds(p.secondsLeft)} left`);
      if (p.path !== 'none') parts.push(pathText(p));
    }
    return html`<progress max="100" .value=${pct} aria-label=${`Downloading ${this.offer.name}`} aria-valuetext=${`${pct} percent`}></progress>
      <div class="status" role="status">${parts.join(' · ')}</div>`;
  }

  #waiting() {
    const t = this.transfer;
    if (this.offer.own || !t || (t.status !== 'waiting' && t.status !== 'idle' && t.status !== 'cancelled')) return nothing;
    if (this.availability === 'nobody-online') return html`<div class="waiting" role="status">Waiting for someone who has it to come online.</div>`;
    if (this.availability === 'no-path')
      return html`<div class="waiting" role="status">Waiting: no direct connection to the people who have it is possible, and the relay is not allowed to carry files (the server's setting). It continues when someone who has it can be reached directly.</div>`;
    return t.status === 'waiting' ? html`<div class="waiting" role="status">Waiting for someone who has it…</div>` : nothing;
  }

  #preview() {
    const url = this.previewUrl;
    if (!url) return nothing;
    if (this.offer.type.startsWith('image/')) return html`<img src=${url} alt=${`Preview of ${this.offer.name}`} />`;
    if (this.offer.type.startsWith('audio/')) return html`<audio controls src=${url} aria-label=${`Play ${this.offer.name}`}></audio>`;
    return nothing;
  }

  #buttons() {
    const name = this.offer.name;
    const t = this.transfer;
    const action = cardAction(this.offer, t);
    const main =
      action === 'download'
        ? html`<button type="button" class="primary" aria-label=${`Download ${name}`} @click=${() => this.#emit('file-download')}>${t?.progress.heldChunks ? 'Resume' : 'Download'}</button>`
        : action === 'retry'
          ? html`<button type="button" class="primary" aria-label=${`Try downloading ${name} again`} @click=${() => this.#emit('file-download')}>Try again</button>`
          : action === 'cancel'
            ? html`<button type="button" aria-label=${`Cancel downloading ${name}`} @click=${() => this.#emit('file-cancel')}>Cancel</button>`
            : action === 'save'
              ? html`<button type="button" class="primary" aria-label=${`Save ${name}`} @click=${() => this.#emit('file-save')}>Save</button>`
              : nothing;
    const share = this.offer.own
      ? html`<button type="button" aria-label=${`Stop sharing ${name}`} @click=${() => this.#emit('file-stop-sharing')}>Stop sharing</button>`
      : t?.status === 'complete'
        ? t.seeding
          ? html`<button type="button" aria-label=${`Stop seeding ${name}`} @click=${() => this.#emit('file-stop-seeding')}>Stop seeding</button>`
          : html`<button type="button" aria-label=${`Seed ${name} again`} @click=${() => this.#emit('file-resume-seeding')}>Seed again</button>`
        : nothing;
    return html`<div class="buttons">${main}${share}</div>`;
  }

  override render() {
    const o = this.offer;
    if (!o) return nothing;
    const t = this.transfer;
    const showBar = !o.own && t && (t.status === 'downloading' || t.status === 'waiting' || ((t.status === 'cancelled' || t.status === 'failed') && t.progress.heldBytes > 0));
    return html`<div class="card" role="group" aria-label=${`File ${o.name}`}>
      <span class="name">${o.name}</span>
      <span class="meta">${formatBytes(o.size)}${o.type ? ` · ${o.type}` : ''} · ${o.own ? 'shared by you' : `from ${o.senderName}`}</span>
      ${o.pending ? html`<div class="status" role="status">Not shared yet: waits until you are connected.</div>` : nothing}
      ${this.#preview()}
      ${showBar ? this.#progress(t) : nothing}
      ${this.#waiting()}
      ${t?.status === 'complete' && !o.own ? html`<div class="status">${doneText(t)}</div>` : nothing}
      ${t?.error && t.status !== 'complete' ? html`<div class="error" role="alert">${fileErrorText(t.error)}</div>` : nothing}
      ${o.pending ? nothing : this.#buttons()}
    </div>`;
  }
}
customElements.define('parley-file-card', ParleyFileCard);

declare global {
  interface HTMLElementTagNameMap {
    'parley-file-card': ParleyFileCard;
  }
}
