/// <reference types="mocha" />
/**
 * The room list's temporary rooms: "New temporary room" only where one may
 * make one, its name field by keyboard (Enter makes, Escape closes), and a
 * temporary room marked as such, with no button of its own (no sub-rooms).
 */
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyRoomList } from '../../../client/ui/index.ts';
import type { EditTempRoomEvent, MakeTempRoomEvent } from '../../../client/ui/events.ts';
import type { RoomView } from '../../../client/session/index.ts';

const rooms: RoomView[] = [
  { id: 'lobby', name: 'Lobby', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: false },
  { id: 'quiet', name: 'Quiet room', parentId: '', position: 1, voiceId: 2, description: '', userLimit: 0, pending: false },
  { id: 'tmp-1', name: 'Huddle', parentId: 'lobby', position: 0x10000, voiceId: 0x40000000, description: '', userLimit: 0, pending: false, temporary: true },
];

async function mount(makeable: string[], editable: string[] = []): Promise<ParleyRoomList> {
  const el = document.createElement('parley-room-list');
  el.rooms = rooms;
  el.users = [];
  el.currentRoomId = 'quiet';
  el.selfSessionId = 1;
  el.tempMakeable = new Set(makeable);
  el.tempEditable = new Set(editable);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

const buttonNamed = (el: ParleyRoomList, name: string) => [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === name);

suite('parley-room-list temporary rooms', () => {
  teardown(() => document.querySelectorAll('parley-room-list').forEach((e) => e.remove()));

  test('a temporary room is nested under its parent and marked temporary, in text and in its accessible name', async () => {
    const el = await mount([]);
    const li = el.shadowRoot!.querySelector('[data-room-id="lobby"] .children [data-room-id="tmp-1"]')!;
    assert.exists(li);
    assert.equal(li.querySelector('.temp')!.textContent, 'temporary');
    assert.match(li.querySelector('.room-button')!.getAttribute('aria-label')!, /^Huddle \(temporary room\)/);
  });

  test('"New temporary room" only on rooms in tempMakeable, never on a temporary room', async () => {
    const el = await mount(['lobby', 'tmp-1']);
    assert.exists(buttonNamed(el, 'New temporary room in Lobby'));
    assert.notExists(buttonNamed(el, 'New temporary room in Quiet room'));
    assert.notExists(buttonNamed(el, 'New temporary room in Huddle'));
  });

  test('the name field: Enter fires make-temp-room with the name and the parent, then closes; Escape closes without', async () => {
    const el = await mount(['lobby']);
    const seen: Array<[string, string]> = [];
    el.addEventListener('make-temp-room', (e: MakeTempRoomEvent) => seen.push([e.name, e.parentId]));
    buttonNamed(el, 'New temporary room in Lobby')!.click();
    await el.updateComplete;
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[aria-label="Name of the new temporary room in Lobby"]')!;
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, composed: true }));
    await el.updateComplete;
    assert.isNull(el.shadowRoot!.querySelector('.temp-form'));
    assert.deepEqual(seen, []);
    buttonNamed(el, 'New temporary room in Lobby')!.click();
    await el.updateComplete;
    const again = el.shadowRoot!.querySelector<HTMLInputElement>('.temp-form input')!;
    again.value = 'Standup';
    again.form!.requestSubmit();
    await el.updateComplete;
    assert.deepEqual(seen, [['Standup', 'lobby']]);
    assert.isNull(el.shadowRoot!.querySelector('.temp-form'));
  });

  test('"Edit" only on temporary rooms in tempEditable; Save fires edit-temp-room with the name and the limit', async () => {
    assert.notExists(buttonNamed(await mount([]), 'Edit temporary room Huddle'));
    document.querySelectorAll('parley-room-list').forEach((e) => e.remove());
    const el = await mount([], ['tmp-1']);
    const seen: Array<[string, string, number]> = [];
    el.addEventListener('edit-temp-room', (e: EditTempRoomEvent) => seen.push([e.roomId, e.name, e.userLimit]));
    buttonNamed(el, 'Edit temporary room Huddle')!.click();
    await el.updateComplete;
    const name = el.shadowRoot!.querySelector<HTMLInputElement>('input[aria-label="New name of Huddle"]')!;
    const limit = el.shadowRoot!.querySelector<HTMLInputElement>('input[aria-label="User limit of Huddle (0 for none)"]')!;
    assert.equal(name.value, 'Huddle');
    name.value = 'Pair';
    limit.value = '2';
    name.form!.requestSubmit();
    await el.updateComplete;
    assert.deepEqual(seen, [['tmp-1', 'Pair', 2]]);
    assert.isNull(el.shadowRoot!.querySelector('.temp-form'));
  });
});
