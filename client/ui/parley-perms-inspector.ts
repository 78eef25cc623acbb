import { LitElement, css, html } from 'lit';
import { decidingStep, evaluate, has, PERMISSIONS, SERVER_WIDE, bit } from '../../perms/index.ts';
import type { Permission, Subject } from '../../perms/index.ts';
import type { RoomView } from '../session/tree/room-view.ts';
import { knownGroups, permStateOf } from '../session/perms/perm-state.ts';
import type { KnownPerson } from '../session/perms/perm-state.ts';
import { resolveChoice, SELF, subjectChoices } from '../session/perms/subject-choice.ts';
import type { SubjectChoice } from '../session/perms/subject-choice.ts';
import { panelStyles } from './panel-styles.ts';
import { decisionSentence, permissionTitle, roomPath } from './perms-text.ts';
import './parley-perms-view-as.ts';

/**
 * The permissions inspector: pick a person (yourself, a guest, a member, an
 * admin, someone known, a member of a named group) and a room, and read a
 * grid of every permission, allowed or denied, each with the step that
 * decided it in a sentence. "View as" paints the whole tree for the same
 * subject. Everything is computed here with perms/evaluate over the
 * replicated tree: the same answer the relay enforces. Modal `<dialog>`.
 * @fires close - the inspector was closed
 */
export class ParleyPermsInspector extends LitElement {
  static override properties = {
    rooms: { attribute: false },
    people: { attribute: false },
    self: { attribute: false },
    choice: { type: String },
    roomId: { type: String, attribute: 'room-id' },
    highlight: { type: String },
    _viewAs: { state: true },
  };

  declare rooms: readonly RoomView[];
  declare people: readonly KnownPerson[];
  /** The local user as a subject. */
  declare self: Subject;
  /** Whom the grid is about (subject-choice.ts). */
  declare choice: SubjectChoice;
  declare roomId: string;
  /** A permission to point out (the one a refusal was about), or ''. */
  declare highlight: Permission | '';
  declare _viewAs: boolean;

  constructor() {
    super();
    this.rooms = [];
    this.people = [];
    this.self = { keyHex: null, role: 'guest', roomId: null };
    this.choice = SELF;
    this.roomId = '';
    this.highlight = '';
    this._viewAs = false;
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      dialog { max-width: 46rem; width: calc(100% - 1rem); box-sizing: border-box; border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--fg); padding: 0.75rem; }
      dialog::backdrop { background: rgb(0 0 0 / 40%); }
      .pick { display: grid; gap: 0 0.75rem; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); }
      table { width: 100%; border-collapse: collapse; margin: 0.75rem 0; font-size: 0.9rem; }
      caption { text-align: left; font-weight: 600; padding: 0 0 0.4rem; }
      th, td { text-align: left; padding: 0.35rem 0.4rem; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
      td.verdict { white-space: nowrap; }
      .yes { color: var(--talk); }
      .no { color: var(--danger-fg); }
      tr.highlight { background: var(--hover); outline: 2px solid var(--accent); }
      .sw { font-weight: 400; color: var(--muted); font-size: 0.8rem; }
      @media (max-width: 30rem) {
        thead { display: none; }
        tr { display: grid; grid-template-columns: 1fr auto; padding: 0.3rem 0; border-bottom: 1px solid var(--border); }
        th, td { border: 0; padding: 0.1rem 0.3rem; }
        td.why { grid-column: 1 / -1; color: var(--muted); }
      }
    `,
  ];

  override updated(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
  }

  #close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  override render() {
    const rooms = this.rooms;
    const roomId = rooms.some((r) => r.id === this.roomId) ? this.roomId : (rooms.find((r) => !r.parentId)?.id ?? rooms[0]?.id ?? '');
    const groups = knownGroups(rooms);
    const base = permStateOf(rooms);
    const resolved = resolveChoice(this.choice, { state: base, self: this.self, people: this.people, groups });
    const result = evaluate(resolved.state, resolved.subject, roomId);
    const ctx = { rooms, ruleOf: (rid: string, id: string) => rooms.find((r) => r.id === rid)?.acl?.rules.find((x) => x.id === id) ?? null };
    const path = roomPath(roomId, rooms);
    const choices = subjectChoices({ people: this.people, groups }, this.self.keyHex ?? '');
    return html`<dialog aria-labelledby="inspector-title" @close=${() => this.dispatchEvent(new Event('close'))}>
      <h2 id="inspector-title">Permissions inspector</h2>
      <div class="pick">
        <div>
          <label for="inspect-who">Who</label>
          <select id="inspect-who" @change=${(e: Event) => (this.choice = (e.target as HTMLSelectElement).value)}>
            ${choices.map((c) => html`<option value=${c.value} ?selected=${c.value === this.choice}>${c.text}</option>`)}
          </select>
        </div>
        <div>
          <label for="inspect-room">Room</label>
          <select id="inspect-room" @change=${(e: Event) => (this.roomId = (e.target as HTMLSelectElement).value)}>
            ${rooms.map((r) => html`<option value=${r.id} ?selected=${r.id === roomId}>${roomPath(r.id, rooms)}</option>`)}
          </select>
        </div>
      </div>
      <table>
        <caption id="grid-caption">What ${resolved.label} may do in ${path}</caption>
        <thead><tr><th scope="col">Permission</th><th scope="col">Result</th><th scope="col">Why</th></tr></thead>
        <tbody>
          ${PERMISSIONS.map((p) => {
            const allowed = has(result.permissions, p);
            const why = decisionSentence(allowed, decidingStep(result, p), roomId, ctx);
            return html`<tr data-permission=${p} class=${this.highlight === p ? 'highlight' : ''} aria-current=${this.highlight === p ? 'true' : 'false'}>
              <th scope="row">${permissionTitle(p)}${SERVER_WIDE & bit(p) ? html` <span class="sw">(server-wide)</span>` : ''}</th>
              <td class="verdict ${allowed ? 'yes' : 'no'}"><span aria-hidden="true">${allowed ? '✓ ' : '✗ '}</span>${allowed ? 'Allowed' : 'Denied'}</td>
              <td class="why">${why}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      <button aria-pressed=${this._viewAs ? 'true' : 'false'} @click=${() => (this._viewAs = !this._viewAs)}>View the whole tree as ${resolved.label}</button>
      ${this._viewAs
        ? html`<parley-perms-view-as .rooms=${rooms} .permState=${resolved.state} .subject=${resolved.subject} .label=${resolved.label}></parley-perms-view-as>`
        : ''}
      <div><button @click=${() => this.#close()}>Close</button></div>
    </dialog>`;
  }
}
customElements.define('parley-perms-inspector', ParleyPermsInspector);

declare global {
  interface HTMLElementTagNameMap {
    'parley-perms-inspector': ParleyPermsInspector;
  }
}
