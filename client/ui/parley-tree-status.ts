import { LitElement, css, html } from 'lit';
import type { RefusedChange } from '../session/tree/index.ts';
import { DismissRefusalEvent, InspectEvent } from './events.ts';

/**
 * The room tree's connection story: an offline banner while the relay is
 * unreachable (edits are kept and sent later), how many changes wait for the
 * relay, and one message per refused change saying what and why (the change
 * has already vanished from the tree: this is its rollback).
 * @fires dismiss-refusal - the user read a refusal
 * @fires inspect - "Why?" on a refusal by a room's permissions
 */
export class ParleyTreeStatus extends LitElement {
  static override properties = {
    offline: { type: Boolean },
    pendingCount: { type: Number, attribute: 'pending-count' },
    refused: { attribute: false },
  };

  declare offline: boolean;
  declare pendingCount: number;
  declare refused: readonly RefusedChange[];

  constructor() {
    super();
    this.offline = false;
    this.pendingCount = 0;
    this.refused = [];
  }

  static override styles = css`
    :host { display: block; }
    .offline, .refused, .pending { margin: 0 0 0.75rem; padding: 0.6rem 0.9rem; border-radius: 8px; }
    .offline { background: var(--danger-bg); color: var(--danger-fg); font-weight: 600; }
    .pending { background: var(--hover); color: var(--muted); }
    .refused { display: flex; gap: 0.5rem; align-items: center; background: var(--danger-bg); color: var(--danger-fg); }
    .refused button { margin-left: auto; font: inherit; min-height: 40px; background: none; border: 0; color: inherit; cursor: pointer; text-decoration: underline; }
  `;

  override render() {
    return html`
      ${this.offline
        ? html`<div class="offline" role="status">Offline: the relay is unreachable. Your room changes are kept and sent when it is back.</div>`
        : ''}
      ${this.pendingCount > 0
        ? html`<div class="pending" role="status">${this.pendingCount} room ${this.pendingCount === 1 ? 'change' : 'changes'} waiting for the relay</div>`
        : ''}
      ${this.refused.map(
        (r) => html`<div class="refused" role="alert" data-op-id=${r.opIdHex}>
          <span>Refused: ${r.what}: ${r.why}.</span>
          ${r.denial ? html`<button aria-label=${`Why? ${r.what}`} @click=${() => this.dispatchEvent(new InspectEvent(r.denial!.roomId, r.denial!.permission))}>Why?</button>` : ''}
          <button aria-label=${`Dismiss: ${r.what}`} @click=${() => this.dispatchEvent(new DismissRefusalEvent(r.opIdHex))}>Dismiss</button>
        </div>`,
      )}
    `;
  }
}
customElements.define('parley-tree-status', ParleyTreeStatus);

declare global {
  interface HTMLElementTagNameMap {
    'parley-tree-status': ParleyTreeStatus;
  }
}
