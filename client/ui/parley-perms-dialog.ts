import { LitElement, css, html } from 'lit';
import type { GroupDef, RoomAcl, Rule } from '../../perms/index.ts';
import type { RoomView } from '../session/tree/room-view.ts';
import { aclOf, permStateOf } from '../session/perms/perm-state.ts';
import type { KnownPerson } from '../session/perms/perm-state.ts';
import { aclChanges, withGroup, withoutGroup, withoutRule, withRule } from '../session/perms/acl-draft.ts';
import { whatIfKnown } from '../session/perms/what-if.ts';
import { AclEditEvent, InspectEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';
import { roomPath, ruleSentence } from './perms-text.ts';
import { whatIfDetails } from './what-if-text.ts';
import { lint } from '../../perms/index.ts';
import type { Subject } from '../../perms/index.ts';
import './parley-perms-presets.ts';
import type { PresetEvent } from './parley-perms-presets.ts';
import type { RuleSaveEvent } from './parley-rule-editor.ts';
import type { GroupDeleteEvent, GroupPutEvent } from './parley-group-editor.ts';
import './parley-rule-editor.ts';
import './parley-group-editor.ts';
import './parley-password-groups.ts';
import type { RoomPasswordSetView } from '../session/index.ts';

/**
 * A room's permissions, for those who may edit them: the rules in plain
 * language, add / edit / remove a rule, the inherit switch, named groups,
 * presets; before saving, what the change does to the people this client
 * knows (what-if) and lint warnings. Edits go to a draft; "Save" sends only
 * the differences, one signed op each, through the tree's outbox (queued
 * offline, shown at once, rolled back with a message if refused).
 * @fires acl-edit - the changes to save
 * @fires inspect - open the inspector on this room
 * @fires close - the dialog was closed
 */
export class ParleyPermsDialog extends LitElement {
  static override properties = {
    room: { attribute: false },
    rooms: { attribute: false },
    people: { attribute: false },
    self: { attribute: false },
    passwordSet: { attribute: false },
    _draft: { state: true },
    _editing: { state: true },
  };

  declare room: RoomView | null;
  declare rooms: readonly RoomView[];
  declare people: readonly KnownPerson[];
  /** The editor, for the self-lockout warning. */
  declare self: Subject;
  /** The last room password set from here, with the relay's answer. */
  declare passwordSet: RoomPasswordSetView | null;
  declare _draft: RoomAcl | null;
  /** The rule in the editor: a rule, 'new', or null (editor closed). */
  declare _editing: Rule | 'new' | null;

  constructor() {
    super();
    this.room = null;
    this.rooms = [];
    this.people = [];
    this.self = { keyHex: null, role: 'guest', roomId: null };
    this.passwordSet = null;
    this._draft = null;
    this._editing = null;
  }

  static override styles = [
    panelStyles,
    css`
      :host { padding: 0; background: none; margin: 0; }
      dialog { max-width: 44rem; width: calc(100% - 1rem); box-sizing: border-box; border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--fg); padding: 0.75rem; }
      dialog::backdrop { background: rgb(0 0 0 / 40%); }
      .rules li { display: flex; flex-wrap: wrap; gap: 0.25rem 0.5rem; align-items: center; }
      .rules .text { flex: 1 1 14rem; overflow-wrap: anywhere; }
      .rules button { margin: 0; }
      .check { display: flex; gap: 0.5rem; align-items: center; font-weight: 400; }
      .check input { width: auto; min-height: 0; }
      .warn li { color: var(--danger-fg); border: 0; padding: 0.2rem 0; }
      .whatif { padding: 0.5rem; border-radius: 8px; background: var(--hover); }
      .whatif ul li { border: 0; padding: 0.1rem 0; }
    `,
  ];

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    // Every state change hands a new room object: start a new draft only for another room,
    // or an unrelated update (presence, chat) would throw away the rule being edited.
    const before = changed.get('room') as { readonly id: string } | null | undefined;
    if (changed.has('room') && this.room && before?.id !== this.room.id) {
      this._draft = aclOf(this.room, this.rooms);
      this._editing = null;
    }
  }

  override updated(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && this.room && !dialog.open) dialog.showModal();
  }

  #close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  /** The tree with the draft in place of this room's ACL. */
  #draftRooms(draft: RoomAcl): RoomView[] {
    return this.rooms.map((r) => (r.id === this.room?.id ? { ...r, acl: draft } : r));
  }

  /** Groups a rule here may name: this room's (draft) groups and inheritable ones above. */
  #groupNames(draft: RoomAcl): string[] {
    const names = new Set(draft.groups.map((g) => g.name));
    const byId = new Map(this.rooms.map((r) => [r.id, r]));
    for (let r = byId.get(this.room?.parentId ?? ''), n = 0; r && n < this.rooms.length; r = byId.get(r.parentId), n++) {
      for (const g of r.acl?.groups ?? []) if (g.inheritable) names.add(g.name);
    }
    return [...names].sort();
  }

  #save(): void {
    const room = this.room;
    if (!room || !this._draft) return;
    const changes = aclChanges(aclOf(room, this.rooms), this._draft);
    if (changes.length > 0) this.dispatchEvent(new AclEditEvent(room.id, changes));
    this.#close();
  }

  #rules(draft: RoomAcl, names: Map<string, string>) {
    if (draft.rules.length === 0) return html`<p class="hint">No rules here: ${draft.inherit ? 'everything is as in the room above' : 'the defaults apply'}.</p>`;
    return html`<ul class="rules" aria-label="Rules">
      ${draft.rules.map((r) => {
        const text = ruleSentence(r, names);
        return html`<li data-rule-id=${r.id}>
          <span class="text"><strong>${r.label}</strong> — ${text}</span>
          <button aria-label=${`Edit rule ${r.label}`} @click=${() => (this._editing = r)}>Edit</button>
          <button class="danger" aria-label=${`Remove rule ${r.label}`} @click=${() => (this._draft = withoutRule(draft, r.id))}>Remove</button>
        </li>`;
      })}
    </ul>`;
  }

  #whatIf(draft: RoomAcl) {
    const room = this.room!;
    const { summary, changes } = whatIfKnown(permStateOf(this.rooms), permStateOf(this.#draftRooms(draft)), this.people);
    const pending = aclChanges(aclOf(room, this.rooms), draft).length;
    const text = pending === 0 ? 'No changes yet.' : changes.length === 0 ? 'This changes nothing for anyone this device knows.' : `This ${summary}.`;
    return html`<div class="whatif">
      <p id="whatif-summary" role="status" aria-live="polite">${text}</p>
      ${changes.length
        ? html`<details><summary>Details (${changes.length})</summary>
            <ul aria-label="Who gains or loses what">${whatIfDetails(changes, (id) => roomPath(id, this.rooms)).map((d) => html`<li>${d}</li>`)}</ul>
          </details>`
        : ''}
    </div>`;
  }

  /** Lint warnings for this room's draft (rules that never apply, overridden, unknown names, locking yourself out). */
  #lint(draft: RoomAcl) {
    const room = this.room!;
    const known = new Set(this.people.map((p) => p.keyHex));
    const issues = lint(permStateOf(this.#draftRooms(draft)), known, { subject: this.self, roomId: room.id }).filter((i) => i.roomId === room.id);
    if (issues.length === 0) return html`<p class="hint" id="lint-none">No warnings.</p>`;
    return html`<ul class="warn" aria-label="Warnings">${issues.map((i) => html`<li data-kind=${i.kind}><span aria-hidden="true">⚠ </span>${i.message}</li>`)}</ul>`;
  }

  override render() {
    const room = this.room;
    const draft = this._draft;
    if (!room || !draft) return html``;
    const names = new Map(this.people.map((p) => [p.keyHex, p.name]));
    const isRoot = !room.parentId || !this.rooms.some((r) => r.id === room.parentId);
    const pending = aclChanges(aclOf(room, this.rooms), draft).length;
    return html`<dialog aria-labelledby="perms-title" @close=${() => this.dispatchEvent(new Event('close'))}>
      <h2 id="perms-title">Permissions of “${room.name}”</h2>
      <p class="hint">${roomPath(room.id, this.rooms)}</p>
      ${isRoot
        ? ''
        : html`<label class="check"><input type="checkbox" id="acl-inherit" .checked=${draft.inherit}
              @change=${(e: Event) => (this._draft = { ...draft, inherit: (e.target as HTMLInputElement).checked })} />
            Follow the rules of the rooms above (off: start again from the defaults)</label>`}
      <h3>Rules</h3>
      ${this.#rules(draft, names)}
      ${this._editing
        ? html`<parley-rule-editor .rule=${this._editing === 'new' ? null : this._editing} .people=${this.people} .groups=${this.#groupNames(draft)}
            @rule-save=${(e: RuleSaveEvent) => {
              this._draft = withRule(draft, e.rule);
              this._editing = null;
            }}
            @cancel=${() => (this._editing = null)}></parley-rule-editor>`
        : html`<button id="add-rule" @click=${() => (this._editing = 'new')}>Add rule…</button>`}
      <h3>Groups</h3>
      <parley-group-editor .groups=${draft.groups} .people=${this.people}
        @group-put=${(e: GroupPutEvent) => (this._draft = withGroup(draft, e.group as GroupDef))}
        @group-delete=${(e: GroupDeleteEvent) => (this._draft = withoutGroup(draft, e.name))}></parley-group-editor>
      <h3>Room passwords</h3>
      <parley-password-groups .roomId=${room.id} .groups=${aclOf(room, this.rooms).groups.filter((g) => g.password).map((g) => g.name)} .result=${this.passwordSet}></parley-password-groups>
      <h3>Presets</h3>
      <parley-perms-presets .people=${this.people} @preset=${(e: PresetEvent) => (this._draft = { ...e.acl, inherit: isRoot ? draft.inherit : e.acl.inherit })}></parley-perms-presets>
      <h3>Before you save</h3>
      ${this.#lint(draft)}
      ${this.#whatIf(draft)}
      <div>
        <button type="submit" id="save-perms" ?disabled=${pending === 0} @click=${() => this.#save()}>${pending === 0 ? 'Save' : `Save ${pending} ${pending === 1 ? 'change' : 'changes'}`}</button>
        <button @click=${() => this.dispatchEvent(new InspectEvent(room.id, '', 'role:guest'))}>Open the inspector</button>
        <button @click=${() => this.#close()}>Close without saving</button>
      </div>
    </dialog>`;
  }
}
customElements.define('parley-perms-dialog', ParleyPermsDialog);

declare global {
  interface HTMLElementTagNameMap {
    'parley-perms-dialog': ParleyPermsDialog;
  }
}
