import { LitElement, css, html } from 'lit';
import { isGroupName, MAX_GROUP_NAME_CHARS } from '../../perms/index.ts';
import type { GroupDef } from '../../perms/index.ts';
import type { KnownPerson } from '../session/perms/perm-state.ts';
import { panelStyles } from './panel-styles.ts';
import { personName } from './perms-text.ts';

/** A group was added or changed. */
export class GroupPutEvent extends Event {
  static readonly type = 'group-put';
  constructor(readonly group: GroupDef) {
    super(GroupPutEvent.type, { bubbles: true, composed: true });
  }
}

/** A group was removed. */
export class GroupDeleteEvent extends Event {
  static readonly type = 'group-delete';
  constructor(readonly name: string) {
    super(GroupDeleteEvent.type, { bubbles: true, composed: true });
  }
}


/**
 * The named groups defined on one room (Mumble's semantics): each with its
 * members (add or remove people by name), whether it starts from the
 * same-named group above (inherit) and whether rooms below may use it
 * (inheritable); a form adds a new group.
 * @fires group-put - a group was added or changed
 * @fires group-delete - a group was removed
 */
export class ParleyGroupEditor extends LitElement {
  static override properties = {
    groups: { attribute: false },
    people: { attribute: false },
    _error: { state: true },
  };

  declare groups: readonly GroupDef[];
  declare people: readonly KnownPerson[];
  declare _error: string;

  constructor() {
    super();
    this.groups = [];
    this.people = [];
    this._error = '';
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      .members li { display: flex; gap: 0.5rem; align-items: center; padding: 0.2rem 0; border: 0; flex-wrap: wrap; }
      .members li button { margin: 0 0 0 auto; }
      .row { display: flex; gap: 0.5rem; align-items: end; flex-wrap: wrap; }
      .row > div { flex: 1; min-width: 10rem; }
      .check { display: flex; gap: 0.5rem; align-items: center; font-weight: 400; }
      .check input { width: auto; min-height: 0; }
      h4 { margin: 0.4rem 0; }
    `,
  ];

  #names(): Map<string, string> {
    return new Map(this.people.map((p) => [p.keyHex, p.name]));
  }

  #put(group: GroupDef): void {
    this.dispatchEvent(new GroupPutEvent(group));
  }

  #addGroup(e: Event): void {
    e.preventDefault();
    const input = this.renderRoot.querySelector('#new-group') as HTMLInputElement;
    const name = input.value.trim();
    if (!isGroupName(name)) {
      this._error = `Group names are 1–${MAX_GROUP_NAME_CHARS} characters.`;
      return;
    }
    if (this.groups.some((g) => g.name === name)) {
      this._error = `There is already a group ‘${name}’ here.`;
      return;
    }
    this._error = '';
    input.value = '';
    this.#put({ name, inherit: true, inheritable: true, add: [], remove: [] });
  }

  #group(g: GroupDef) {
    const names = this.#names();
    const id = `add-to-${g.name}`;
    const candidates = this.people.filter((p) => !g.add.includes(p.keyHex));
    return html`<li data-group=${g.name}>
      <h4>Group ‘${g.name}’${g.password ? ' (password)' : ''}</h4>
      <ul class="members" aria-label=${`Members of ${g.name}`}>
        ${g.add.map(
          (k) => html`<li><span class="name">${personName(k, names)}</span>
            <button aria-label=${`Remove ${personName(k, names)} from ${g.name}`} @click=${() => this.#put({ ...g, add: g.add.filter((x) => x !== k) })}>Remove</button></li>`,
        )}
        ${g.add.length === 0 ? html`<li class="hint">No one added here${g.inherit ? ' (members may come from the group above)' : ''}.</li>` : ''}
      </ul>
      ${candidates.length
        ? html`<div class="row">
            <div>
              <label for=${id}>Add a person to ${g.name}</label>
              <select id=${id}>${candidates.map((p) => html`<option value=${p.keyHex}>${personName(p.keyHex, names)}</option>`)}</select>
            </div>
            <button @click=${() => {
              const k = (this.renderRoot.querySelector(`#${CSS.escape(id)}`) as HTMLSelectElement).value;
              if (k) this.#put({ ...g, add: [...g.add, k], remove: g.remove.filter((x) => x !== k) });
            }}>Add</button>
          </div>`
        : ''}
      <label class="check"><input type="checkbox" .checked=${g.inherit} @change=${(e: Event) => this.#put({ ...g, inherit: (e.target as HTMLInputElement).checked })} /> Start from the same group above</label>
      <label class="check"><input type="checkbox" .checked=${g.inheritable} @change=${(e: Event) => this.#put({ ...g, inheritable: (e.target as HTMLInputElement).checked })} /> Rooms below may use it</label>
      <button class="danger" aria-label=${`Delete group ${g.name}`} @click=${() => this.dispatchEvent(new GroupDeleteEvent(g.name))}>Delete group</button>
    </li>`;
  }

  override render() {
    return html`<ul aria-label="Groups of this room">${this.groups.map((g) => this.#group(g))}</ul>
      <form @submit=${(e: Event) => this.#addGroup(e)}>
        <label for="new-group">New group</label>
        <input id="new-group" maxlength="32" placeholder="e.g. officers" />
        ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
        <button type="submit">Add group</button>
      </form>`;
  }
}
customElements.define('parley-group-editor', ParleyGroupEditor);

declare global {
  interface HTMLElementTagNameMap {
    'parley-group-editor': ParleyGroupEditor;
  }
  interface HTMLElementEventMap {
    'group-put': GroupPutEvent;
    'group-delete': GroupDeleteEvent;
  }
}
