/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../../client/ui/parley-perms-inspector.ts';
import type { ParleyPermsInspector } from '../../../../client/ui/parley-perms-inspector.ts';
import { ANA, BO, people, permRooms } from './fixture.ts';

async function mount(choice: string, roomId: string, highlight = ''): Promise<ParleyPermsInspector> {
  const el = document.createElement('parley-perms-inspector');
  el.rooms = permRooms;
  el.people = people;
  el.self = { keyHex: BO, role: 'guest', roomId: 'root' };
  el.choice = choice;
  el.roomId = roomId;
  el.highlight = highlight as ParleyPermsInspector['highlight'];
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const row = (el: ParleyPermsInspector, p: string) => el.shadowRoot!.querySelector(`tr[data-permission="${p}"]`)!;
const cells = (el: ParleyPermsInspector, p: string) => [...row(el, p).querySelectorAll('th, td')].map((c) => c.textContent!.replace(/\s+/g, ' ').trim());

suite('parley-perms-inspector', () => {
  teardown(() => document.querySelectorAll('parley-perms-inspector').forEach((e) => e.remove()));

  test('a guest in a sub-room: speak denied by the parent’s rule, in a sentence; see allowed by default', async () => {
    const el = await mount('role:guest', 'talk');
    assert.isTrue(el.shadowRoot!.querySelector('dialog')!.open);
    assert.equal(el.shadowRoot!.querySelector('caption')!.textContent, 'What a guest may do in /Events/Talk');
    assert.deepEqual(cells(el, 'speak'), ['Speak', '✗ Denied', 'denied by ‘guests: no speak’ on /Events, inherited from the parent']);
    assert.deepEqual(cells(el, 'see'), ['See the room', '✓ Allowed', 'allowed by default']);
    assert.equal(cells(el, 'kick')[0], 'Kick (server-wide)');
    assert.equal(el.shadowRoot!.querySelectorAll('tbody tr').length, 16);
  });

  test('the rule’s own room says no "inherited"; a member may speak; an admin’s grid names the admin step', async () => {
    const guest = await mount('role:guest', 'events');
    assert.equal(cells(guest, 'speak')[2], 'denied by ‘guests: no speak’ on /Events');
    guest.remove();
    const member = await mount('role:member', 'events');
    assert.equal(cells(member, 'speak')[1], '✓ Allowed');
    member.remove();
    const admin = await mount('role:admin', 'staff');
    assert.deepEqual(cells(admin, 'edit-perms').slice(1), ['✓ Allowed', 'allowed: admin: admins may do everything']);
  });

  test('hidden rooms say why; picking a person and a room from the keyboard-reachable selects updates the grid', async () => {
    const el = await mount('self', 'staff', 'see');
    assert.include(cells(el, 'see')[2], 'hidden');
    assert.include(cells(el, 'see')[2], '‘staff only’ on /Staff');
    assert.equal(row(el, 'see').getAttribute('aria-current'), 'true');
    const who = el.shadowRoot!.querySelector('#inspect-who') as HTMLSelectElement;
    const room = el.shadowRoot!.querySelector('#inspect-room') as HTMLSelectElement;
    assert.equal(who.labels![0]!.textContent, 'Who');
    assert.equal(room.labels![0]!.textContent, 'Room');
    assert.includeMembers([...who.options].map((o) => o.text), ['You', 'A guest', 'A member', 'An admin', 'Ana', 'A member of group ‘officers’']);
    who.value = `key:${ANA}`;
    who.dispatchEvent(new Event('change'));
    room.value = 'events';
    room.dispatchEvent(new Event('change'));
    await el.updateComplete;
    assert.equal(el.shadowRoot!.querySelector('caption')!.textContent, 'What Ana may do in /Events');
    assert.equal(cells(el, 'speak')[1], '✓ Allowed');
  });

  test('view as paints every room for the subject, with text alternatives and hidden rooms marked', async () => {
    const el = await mount('role:guest', 'root');
    const toggle = [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.startsWith('View the whole tree'))!;
    assert.equal(toggle.textContent, 'View the whole tree as a guest');
    toggle.click();
    await el.updateComplete;
    const view = el.shadowRoot!.querySelector('parley-perms-view-as')!;
    await view.updateComplete;
    const label = (id: string) => view.shadowRoot!.querySelector(`li[data-room-id="${id}"]`)!.getAttribute('aria-label');
    assert.equal(view.shadowRoot!.querySelector('ul')!.getAttribute('aria-label'), 'Rooms as a guest sees them');
    assert.equal(label('root'), 'Org: can see, can enter, can speak, can chat');
    assert.equal(label('talk'), 'Talk: can see, can enter, cannot speak, can chat');
    assert.equal(label('staff'), 'Staff: hidden');
    assert.equal(toggle.getAttribute('aria-pressed'), 'true');
  });
});
