import { LitElement, css, html, nothing } from 'lit';
import { fileErrorText } from '../../files/index.ts';
import { FileCommandEvent } from '../file-events.ts';
import type { OutgoingShareView } from '../file-events.ts';
import { formatBytes } from './file-format.ts';

/**
 * The files the user is sharing in this conversation that are not posted
 * yet: each is read and hashed before its chat item can go out, so a large
 * one shows a progress bar with a Cancel button; the others wait their turn;
 * one that could not be prepared says why in plain language until dismissed.
 * Every button's accessible name says which file it acts on.
 * @fires file-command - a FileCommandEvent (`file-share-cancel`, `file-share-dismiss`)
 */
export class ParleyFileOutgoing extends LitElement {
  static override properties = { shares: { attribute: false } };

  declare shares: readonly OutgoingShareView[];

  constructor() {
    super();
    this.shares = [];
  }

  static override styles = css`
    :host { display: block; }
    ul { list-style: none; margin: 0; padding: 0.4rem 0.6rem 0; display: grid; gap: 0.35rem; }
    li { border: 1px dashed var(--border); border-radius: 8px; padding: 0.4rem 0.6rem; display: grid; grid-template-columns: 1fr auto; gap: 0.25rem 0.5rem; align-items: center; min-width: 0; }
    .name { font-weight: 600; overflow-wrap: anywhere; }
    .status { grid-column: 1; font-size: 0.8rem; color: var(--muted); overflow-wrap: anywhere; }
    .error { grid-column: 1; font-size: 0.85rem; color: var(--danger-fg); }
    progress { grid-column: 1 / -1; width: 100%; height: 0.7rem; }
    button { grid-column: 2; grid-row: 1 / span 2; font: inherit; font-size: 0.85rem; padding: 0.3rem 0.7rem; min-height: 36px; border-radius: 8px; border: 1px solid var(--border); background: var(--panel); color: var(--fg); cursor: pointer; }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  `;

  #emit(type: 'file-share-cancel' | 'file-share-dismiss', shareId: string): void {
    this.dispatchEvent(new FileCommandEvent({ type, shareId }));
  }

  #item(s: OutgoingShareView, somePreparing: boolean) {
    if (s.status === 'failed')
      return html`<li aria-label=${`Not shared: ${s.name}`}>
        <span class="name">${s.name}</span>
        <button type="button" aria-label=${`Dismiss ${s.name}`} @click=${() => this.#emit('file-share-dismiss', s.id)}>Dismiss</button>
        <span class="error" role="alert">${s.error ? fileErrorText({ code: s.error }) : ''}</span>
      </li>`;
    const pct = s.size > 0 ? Math.floor((100 * s.doneBytes) / s.size) : 100;
    const status =
      s.status !== 'queued'
        ? `Preparing to share: ${formatBytes(s.doneBytes)} of ${formatBytes(s.size)} read and checked`
        : // Nothing being prepared: the page has not signed in yet (the manifest is signed for the relay).
          `${formatBytes(s.size)} · ${somePreparing ? 'waiting for the files before it' : 'waits until you are connected'}`;
    return html`<li aria-label=${`Sharing ${s.name}`}>
      <span class="name">${s.name}</span>
      <button type="button" aria-label=${`Cancel sharing ${s.name}`} @click=${() => this.#emit('file-share-cancel', s.id)}>Cancel</button>
      <span class="status" role="status">${status}</span>
      ${s.status === 'preparing' ? html`<progress max="100" .value=${pct} aria-label=${`Preparing ${s.name}`} aria-valuetext=${`${pct} percent`}></progress>` : nothing}
    </li>`;
  }

  override render() {
    if (this.shares.length === 0) return nothing;
    const somePreparing = this.shares.some((s) => s.status === 'preparing');
    return html`<ul aria-label="Files being shared">${this.shares.map((s) => this.#item(s, somePreparing))}</ul>`;
  }
}
customElements.define('parley-file-outgoing', ParleyFileOutgoing);

declare global {
  interface HTMLElementTagNameMap {
    'parley-file-outgoing': ParleyFileOutgoing;
  }
}
