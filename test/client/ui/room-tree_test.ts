/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyRoomDialog, ParleyRoomList, ParleyTreeStatus } from '../../../client/ui/index.ts';
import type { DismissRefusalEvent, RoomActionsEvent, TreeEditEvent } from '../../../client/ui/index.ts';
import type { RoomView } from '../../../client/session/index.ts';

const rooms: RoomView[] = [
  { id: 'root', name: 'Org', parentId: '', position: 0, voiceId: 3, description: '', userLimit: 0, pending: false },
  { id: 'lobby', name: 'Lobby', parentId: 'root', position: 0, voiceId: 1, description: 'Say hi <b>here</b>', userLimit: 0, pending: false },
  { id: 'games', name: 'Games', parentId: 'root', position: 1, voiceId: 4, pending: true, description: '', userLimit: 0 },
  { id: 'chess', name: 'Chess', parentId: 'games', position: 0, voiceId: 5, userLimit: 4, description: '', pending: false },
];

async function mountList(canEdit: boolean): Promise<ParleyRoomList> {
  const el = document.createElement('parley-room-list');
  el.rooms = rooms;
  el.canEdit = canEdit;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

suite('parley-room-list as a tree', () => {
  teardown(() => document.querySelectorAll('parley-room-list, parley-room-dialog, parley-tree-status').forEach((e) => e.remove()));

  test('nests rooms under their parents in labelled lists and marks pending rooms', async () => {
    const root = (await mountList(false)).shadowRoot!;
    const chess = root.querySelector('[data-room-id="games"] > ul.children > [data-room-id="chess"]');
    assert.isNotNull(chess);
    assert.equal(root.querySelector('[data-room-id="games"] > ul.children')!.getAttribute('aria-label'), 'Rooms in Games');
    assert.equal(root.querySelector('[data-room-id="games"]')!.getAttribute('data-pending'), 'true');
    assert.include(root.querySelector('[data-room-id="games"] .room-button')!.getAttribute('aria-label')!, 'change pending');
    // Descriptions are text.
    assert.equal(root.querySelector('[data-room-id="lobby"] .desc')!.textContent, 'Say hi <b>here</b>');
    assert.isNull(root.querySelector('b'));
    assert.isNull(root.querySelector('.room-actions'));
  });

  test('admins get an actions button per room; dropping a room onto another asks to move it inside', async () => {
    const el = await mountList(true);
    const root = el.shadowRoot!;
    const opened: string[] = [];
    const edits: TreeEditEvent['edit'][] = [];
    el.addEventListener('room-actions', (e: RoomActionsEvent) => opened.push(e.roomId));
    el.addEventListener('tree-edit', (e: TreeEditEvent) => edits.push(e.edit));
    (root.querySelector('[data-room-id="chess"] .room-actions') as HTMLButtonElement).click();
    assert.deepEqual(opened, ['chess']);
    assert.equal(root.querySelector('[data-room-id="chess"] .room-actions')!.getAttribute('aria-label'), 'Actions for Chess');
    const data = new DataTransfer();
    root.querySelector('[data-room-id="chess"] .room-button')!.dispatchEvent(new DragEvent('dragstart', { dataTransfer: data, bubbles: true, composed: true }));
    const target = root.querySelector('[data-room-id="lobby"] > .head')!;
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    assert.deepEqual(edits, [{ kind: 'room.move', args: { roomId: 'chess', parentId: 'lobby', index: 0xffff } }]);
  });
});

suite('parley-room-dialog', () => {
  teardown(() => document.querySelectorAll('parley-room-dialog').forEach((e) => e.remove()));

  async function mountDialog(roomId: string): Promise<{ el: ParleyRoomDialog; edits: TreeEditEvent['edit'][] }> {
    const el = document.createElement('parley-room-dialog');
    el.rooms = rooms;
    el.room = rooms.find((r) => r.id === roomId)!;
    const edits: TreeEditEvent['edit'][] = [];
    el.addEventListener('tree-edit', (e: TreeEditEvent) => edits.push(e.edit));
    document.body.append(el);
    await el.updateComplete;
    return { el, edits };
  }

  test('renames from the keyboard path, and "Move to…" offers only rooms outside the subtree', async () => {
    const { el, edits } = await mountDialog('games');
    const root = el.shadowRoot!;
    assert.isTrue(root.querySelector('dialog')!.open);
    const options = [...root.querySelectorAll('#move-parent option')].map((o) => (o as HTMLOptionElement).value);
    assert.deepEqual(options, ['root', 'lobby']);
    (root.querySelector('#rename-name') as HTMLInputElement).value = '  Board games ';
    (root.querySelector('#rename-name') as HTMLInputElement).form!.requestSubmit();
    assert.deepEqual(edits, [{ kind: 'room.rename', args: { roomId: 'games', name: 'Board games' } }]);
  });

  test('moves to a chosen parent and position, and deletes only after confirmation', async () => {
    const { el, edits } = await mountDialog('chess');
    const root = el.shadowRoot!;
    (root.querySelector('#move-parent') as HTMLSelectElement).value = 'lobby';
    (root.querySelector('#move-position') as HTMLInputElement).value = '1';
    (root.querySelector('#move-parent') as HTMLSelectElement).form!.requestSubmit();
    assert.deepEqual(edits.at(-1), { kind: 'room.move', args: { roomId: 'chess', parentId: 'lobby', index: 0 } });

    const again = await mountDialog('chess');
    const r2 = again.el.shadowRoot!;
    [...r2.querySelectorAll('button')].find((b) => b.textContent === 'Delete room…')!.click();
    await again.el.updateComplete;
    assert.deepEqual(again.edits, []);
    assert.include(r2.querySelector('.confirm')!.textContent!, 'Delete “Chess”');
    [...r2.querySelectorAll('button')].find((b) => b.textContent === 'Delete for good')!.click();
    assert.deepEqual(again.edits, [{ kind: 'room.delete', args: { roomId: 'chess' } }]);
  });

  test('the root cannot be moved or deleted from the dialog', async () => {
    const { el } = await mountDialog('root');
    assert.isNull(el.shadowRoot!.querySelector('#move-parent'));
    assert.isUndefined([...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Delete room…'));
  });
});

suite('parley-tree-status', () => {
  test('shows the offline banner, the pending count and each refusal with a dismiss button', async () => {
    const el = document.createElement('parley-tree-status') as ParleyTreeStatus;
    el.offline = true;
    el.pendingCount = 2;
    el.refused = [{ opIdHex: 'ab', what: 'Create “Games” in “Org”', why: 'a room next to it already has that name', code: 99 }];
    document.body.append(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    assert.include(root.querySelector('.offline')!.textContent!, 'Offline');
    assert.include(root.querySelector('.pending')!.textContent!, '2 room changes');
    assert.equal(root.querySelector('.refused')!.getAttribute('role'), 'alert');
    const seen: string[] = [];
    el.addEventListener('dismiss-refusal', (e: DismissRefusalEvent) => seen.push(e.opIdHex));
    (root.querySelector('.refused button') as HTMLButtonElement).click();
    assert.deepEqual(seen, ['ab']);
    el.remove();
  });
});
