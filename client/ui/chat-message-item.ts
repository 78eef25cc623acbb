/**
 * Templates for one chat message and one pending (unsent) message, used by
 * <parley-chat-panel>. Every control has an accessible name that says which
 * message it acts on.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { ChatMessageView, PendingView } from '../session/index.ts';
import { errorText } from '../session/index.ts';
import { messageText } from './chat-message-text.ts';

/** What the panel tells a message template. */
export interface MessageItemOptions {
  readonly canDelete: boolean;
  /** No Edit or Delete at all: a temporary room's messages are not kept, so there is nothing to change (D108). */
  readonly fixed?: boolean;
  readonly editing: boolean;
  readonly mentioned: boolean;
  readonly onEdit: () => void;
  readonly onDelete: () => void;
  readonly onEditKey: (e: KeyboardEvent) => void;
  readonly onEditSave: () => void;
  readonly onEditCancel: () => void;
  /** A shared file's card, shown under the text. */
  readonly attachment?: TemplateResult | typeof nothing;
}

/** Short local time for the list. */
export function shortTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Full local date and time for titles. */
function fullTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

/** One sent message. */
export function messageItem(m: ChatMessageView, o: MessageItemOptions): TemplateResult {
  const when = shortTime(m.serverTimeMs);
  const classes = ['msg', m.own ? 'own' : '', m.verified === 'bad' ? 'unverified' : '', m.deleted ? 'deleted' : '', o.mentioned ? 'mention' : ''].join(' ');
  const body = m.deleted
    ? html`<p class="text gone">${m.deleted.byAuthor ? 'Message deleted' : 'Message deleted by an admin'}</p>`
    : o.editing
      ? html`<div class="edit">
          <label class="sr" for="edit-${m.id}">Edit your message from ${when}</label>
          <textarea id="edit-${m.id}" class="edit-text" .value=${m.text} @keydown=${o.onEditKey} rows="2"></textarea>
          <button type="button" @click=${o.onEditSave}>Save</button>
          <button type="button" @click=${o.onEditCancel}>Cancel</button>
        </div>`
      : html`<p class="text">${messageText(m.text)}</p>`;
  return html`<li class=${classes} data-seq=${m.seq} data-id=${m.id}>
    <div class="meta">
      <span class="author" title=${`Key fingerprint: ${m.authorFingerprint}`} tabindex="0"
        aria-label=${`${m.authorName}${m.own ? ' (you)' : ''}, key fingerprint ${m.authorFingerprint}`}>${m.authorName}</span>
      <time datetime=${new Date(m.serverTimeMs).toISOString()} title=${fullTime(m.serverTimeMs)}>${when}</time>
      ${m.editedAtMs !== null && !m.deleted ? html`<span class="edited" title=${`Edited ${fullTime(m.editedAtMs)}`}>(edited)</span>` : nothing}
      ${m.verified === 'bad'
        ? html`<span class="badge warn" title="The signature on this message does not match its author's key: it may have been altered.">unverifiable</span>`
        : nothing}
      ${m.pendingChange ? html`<span class="badge">${m.pendingChange === 'edit' ? 'saving edit…' : 'deleting…'}</span>` : nothing}
      ${!m.deleted && !o.editing && !m.pendingChange && !o.fixed
        ? html`<span class="actions">
            ${m.own ? html`<button type="button" class="edit-btn" aria-label=${`Edit your message from ${when}`} @click=${o.onEdit}>Edit</button>` : nothing}
            ${m.own || o.canDelete
              ? html`<button type="button" class="delete-btn" aria-label=${m.own ? `Delete your message from ${when}` : `Delete ${m.authorName}’s message from ${when}`} @click=${o.onDelete}>Delete</button>`
              : nothing}
          </span>`
        : nothing}
    </div>
    ${body}
    ${o.attachment ?? nothing}
  </li>`;
}

const STATUS_TEXT = { queued: 'Not sent yet: waiting for the relay', sending: 'Sending…', waiting: 'Waiting to send', failed: 'Not sent' } as const;

/** One message typed here that the relay has not accepted yet. */
export function pendingItem(p: PendingView, selfName: string, onDiscard: () => void, attachment: TemplateResult | typeof nothing = nothing): TemplateResult {
  const when = shortTime(p.clientTimeMs);
  return html`<li class="msg own pending ${p.status}" data-pending-id=${p.id}>
    <div class="meta">
      <span class="author">${selfName || 'You'}</span>
      <time datetime=${new Date(p.clientTimeMs).toISOString()}>${when}</time>
      <span class="badge ${p.status === 'failed' ? 'warn' : ''}">${STATUS_TEXT[p.status]}${p.error ? html`: ${errorText(p.error)}` : nothing}</span>
      ${p.status !== 'sending'
        ? html`<span class="actions"><button type="button" aria-label=${`Discard your unsent message from ${when}`} @click=${onDiscard}>Discard</button></span>`
        : nothing}
    </div>
    <p class="text">${messageText(p.text)}</p>
    ${attachment}
  </li>`;
}
