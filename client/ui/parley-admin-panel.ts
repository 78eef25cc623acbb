import { LitElement, css, html } from 'lit';
import type { BanView, InviteView, RoleName, State, UserView } from '../session/index.ts';
import { AdminCommandEvent } from './events.ts';
import type { AdminCommand } from './events.ts';
import { panelStyles } from './panel-styles.ts';

const HOUR = 3_600_000;
/** Invite lifetimes offered, ms (0 = never). */
const EXPIRIES: ReadonlyArray<[string, number]> = [['1 hour', HOUR], ['1 day', 24 * HOUR], ['7 days', 7 * 24 * HOUR], ['30 days', 30 * 24 * HOUR], ['Never', 0]];
/** Ban lengths offered, ms (0 = until lifted). */
const BAN_LENGTHS: ReadonlyArray<[string, number]> = [['1 hour', HOUR], ['1 day', 24 * HOUR], ['7 days', 7 * 24 * HOUR], ['Until lifted', 0]];

const when = (ms: number): string => new Date(ms).toLocaleString();

/**
 * Admin tools: create an invite link (role, expiry, uses) and copy it, list
 * and revoke invites, kick / ban / promote the people connected now, list
 * and lift bans. Renders from session state; every action is an event.
 * @fires admin-command - with the session command to run
 */
export class ParleyAdminPanel extends LitElement {
  static override properties = {
    admin: { attribute: false },
    users: { attribute: false },
    selfSessionId: { type: Number, attribute: 'self-session-id' },
    createdInvite: { attribute: false },
    now: { type: Number },
    _copied: { state: true },
  };

  declare admin: State['admin'];
  declare users: readonly UserView[];
  declare selfSessionId: number;
  declare createdInvite: State['createdInvite'];
  /** Clock for "expired" labels, ms. */
  declare now: number;
  declare _copied: boolean;

  constructor() {
    super();
    this.admin = null;
    this.users = [];
    this.selfSessionId = -1;
    this.createdInvite = null;
    this.now = Date.now();
    this._copied = false;
  }

  static override styles = [
    panelStyles,
    css`
      .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0 0.75rem; }
      .link { display: flex; gap: 0.5rem; align-items: flex-end; flex-wrap: wrap; }
      .link input { flex: 1 1 12rem; font-family: ui-monospace, monospace; font-size: 0.8rem; }
      .who { font-weight: 600; }
      .meta { font-size: 0.85rem; color: var(--muted); }
    `,
  ];

  #fire(command: AdminCommand): void {
    this.dispatchEvent(new AdminCommandEvent(command));
  }

  #select(id: string): number {
    return Number(this.renderRoot.querySelector<HTMLSelectElement | HTMLInputElement>(`#${id}`)?.value ?? 0);
  }

  #create(e: Event): void {
    e.preventDefault();
    const role = (this.renderRoot.querySelector<HTMLSelectElement>('#invite-role')?.value ?? 'member') as 'member' | 'admin';
    const maxUses = Math.max(0, Math.min(0xffff_ffff, Math.floor(this.#select('invite-uses'))));
    this._copied = false;
    this.#fire({ type: 'create-invite', role, expiresInMs: this.#select('invite-expiry'), maxUses });
  }

  async #copy(): Promise<void> {
    if (!this.createdInvite) return;
    try {
      await navigator.clipboard.writeText(this.createdInvite.link);
      this._copied = true;
    } catch {
      // Clipboard refused (insecure page, no permission): select the text for a manual copy.
      this.renderRoot.querySelector<HTMLInputElement>('#invite-link')?.select();
    }
  }

  #inviteState(i: InviteView): string {
    if (i.revoked) return 'revoked';
    if (i.expiresAtMs !== 0 && i.expiresAtMs <= this.now) return 'expired';
    if (i.maxUses !== 0 && i.uses >= i.maxUses) return 'used up';
    return 'active';
  }

  #renderInvite(i: InviteView) {
    const state = this.#inviteState(i);
    return html`<li data-invite-id=${i.idHex}>
      <span class="who">${i.role}</span> invite · <span class="state">${state}</span>
      <div class="meta">
        used ${i.uses}${i.maxUses ? ` of ${i.maxUses}` : ''} · ${i.expiresAtMs ? `expires ${when(i.expiresAtMs)}` : 'never expires'} · id ${i.idHex.slice(0, 8)}
      </div>
      ${state === 'active' ? html`<button class="danger" aria-label=${`Revoke ${i.role} invite ${i.idHex.slice(0, 8)}`} @click=${() => this.#fire({ type: 'revoke-invite', idHex: i.idHex })}>Revoke</button>` : ''}
    </li>`;
  }

  #renderUser(u: UserView) {
    const reasonId = `reason-${u.sessionId}`;
    const lengthId = `ban-length-${u.sessionId}`;
    const reason = (): string => this.renderRoot.querySelector<HTMLInputElement>(`#${reasonId}`)?.value ?? '';
    const promote: RoleName = u.role === 'admin' ? 'member' : u.role === 'member' ? 'admin' : 'member';
    return html`<li data-session-id=${u.sessionId}>
      <span class="who">${u.displayName}</span> <span class="meta">${u.role} · key ${u.publicKeyHex.slice(0, 16)}…</span>
      <div class="grid">
        <div><label for=${reasonId}>Reason (optional)</label><input id=${reasonId} maxlength="200" /></div>
        <div>
          <label for=${lengthId}>Ban for</label>
          <select id=${lengthId}>${BAN_LENGTHS.map(([label, ms]) => html`<option value=${ms}>${label}</option>`)}</select>
        </div>
      </div>
      <button aria-label=${`Kick ${u.displayName}`} @click=${() => this.#fire({ type: 'kick', sessionId: u.sessionId, reason: reason() })}>Kick</button>
      <button class="danger" aria-label=${`Ban ${u.displayName}`} @click=${() => this.#fire({ type: 'ban', publicKeyHex: u.publicKeyHex, durationMs: this.#select(lengthId), reason: reason() })}>Ban</button>
      <button aria-label=${`Make ${u.displayName} ${promote}`} @click=${() => this.#fire({ type: 'set-role', publicKeyHex: u.publicKeyHex, role: promote })}>Make ${promote}</button>
    </li>`;
  }

  #renderBan(b: BanView) {
    const name = b.displayName || `key ${b.publicKeyHex.slice(0, 16)}…`;
    return html`<li data-key=${b.publicKeyHex}>
      <span class="who">${name}</span>
      <div class="meta">${b.untilMs ? `until ${when(b.untilMs)}` : 'until lifted'}${b.reason ? ` · ${b.reason}` : ''}</div>
      <button aria-label=${`Lift the ban on ${name}`} @click=${() => this.#fire({ type: 'lift-ban', publicKeyHex: b.publicKeyHex })}>Lift ban</button>
    </li>`;
  }

  override render() {
    const others = this.users.filter((u) => u.sessionId !== this.selfSessionId);
    const invites = this.admin?.invites ?? [];
    const bans = this.admin?.bans ?? [];
    return html`<section aria-labelledby="admin-title">
      <h2 id="admin-title">Administration</h2>

      <h3>Invite someone</h3>
      <form @submit=${this.#create}>
        <div class="grid">
          <div>
            <label for="invite-role">Role</label>
            <select id="invite-role"><option value="member">Member</option><option value="admin">Admin</option></select>
          </div>
          <div>
            <label for="invite-expiry">Expires after</label>
            <select id="invite-expiry">${EXPIRIES.map(([label, ms], i) => html`<option value=${ms} ?selected=${i === 2}>${label}</option>`)}</select>
          </div>
          <div>
            <label for="invite-uses">Uses (0 = unlimited)</label>
            <input id="invite-uses" type="number" min="0" step="1" value="1" inputmode="numeric" />
          </div>
        </div>
        <button type="submit">Create invite link</button>
      </form>
      ${this.createdInvite
        ? html`<div class="link">
            <div style="flex:1 1 12rem"><label for="invite-link">Invite link (${this.createdInvite.role})</label>
            <input id="invite-link" readonly .value=${this.createdInvite.link} @focus=${(e: Event) => (e.target as HTMLInputElement).select()} /></div>
            <button @click=${this.#copy}>${this._copied ? 'Copied' : 'Copy link'}</button>
          </div>`
        : ''}

      <h3>Invites</h3>
      ${invites.length ? html`<ul aria-label="Invites">${invites.map((i) => this.#renderInvite(i))}</ul>` : html`<p class="hint">No invites yet.</p>`}

      <h3>People here now</h3>
      ${others.length ? html`<ul aria-label="People">${others.map((u) => this.#renderUser(u))}</ul>` : html`<p class="hint">Nobody else is connected.</p>`}

      <h3>Bans</h3>
      ${bans.length ? html`<ul aria-label="Bans">${bans.map((b) => this.#renderBan(b))}</ul>` : html`<p class="hint">No bans in force.</p>`}
    </section>`;
  }
}
customElements.define('parley-admin-panel', ParleyAdminPanel);

declare global {
  interface HTMLElementTagNameMap {
    'parley-admin-panel': ParleyAdminPanel;
  }
}
