/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyRoomList } from '../../../client/ui/index.ts';
import { JoinRoomEvent } from '../../../client/ui/index.ts';
import type { VoiceCommandEvent } from '../../../client/ui/index.ts';
import type { RoomView, UserView } from '../../../client/session/index.ts';

const rooms: RoomView[] = [
  { id: 'lobby', name: 'Lobby', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: false },
  { id: 'quiet', name: 'Quiet room', parentId: '', position: 1, voiceId: 2, description: '', userLimit: 0, pending: false },
];
const user = (sessionId: number, displayName: string, roomId: string, extra: Partial<UserView> = {}): UserView => ({
  sessionId, displayName, roomId, publicKeyHex: '00', muted: false, deafened: false, role: 'member', ...extra,
});

async function mount(): Promise<ParleyRoomList> {
  const el = document.createElement('parley-room-list');
  el.rooms = rooms;
  el.users = [user(1, 'Ana', 'lobby'), user(2, 'Bo', 'lobby', { muted: true, publicKeyHex: 'b'.repeat(64) }), user(3, '<img src=x onerror=alert(1)>', 'quiet')];
  el.currentRoomId = 'lobby';
  el.selfSessionId = 1;
  el.talking = new Set([2]);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

suite('parley-room-list', () => {
  teardown(() => document.querySelectorAll('parley-room-list').forEach((e) => e.remove()));

  test('renders rooms with their members and marks the talking user', async () => {
    const el = await mount();
    const root = el.shadowRoot!;
    const lobbyUsers = [...root.querySelectorAll('[data-room-id="lobby"] .user .name')].map((n) => n.textContent);
    assert.deepEqual(lobbyUsers, ['Ana (you)', 'Bo']);
    assert.isTrue(root.querySelector('[data-session-id="2"]')!.classList.contains('talking'));
    assert.isFalse(root.querySelector('[data-session-id="1"]')!.classList.contains('talking'));
    assert.include(root.querySelector('[data-session-id="2"]')!.getAttribute('aria-label')!, 'muted');
  });

  test('renders user names as text, never HTML', async () => {
    const el = await mount();
    const root = el.shadowRoot!;
    assert.isNull(root.querySelector('img'));
    assert.equal(root.querySelector('[data-session-id="3"] .name')!.textContent, '<img src=x onerror=alert(1)>');
  });

  test('clicking another room fires join-room with its id; the current room does not', async () => {
    const el = await mount();
    const seen: string[] = [];
    el.addEventListener('join-room', (e: JoinRoomEvent) => seen.push(e.roomId));
    (el.shadowRoot!.querySelector('[data-room-id="lobby"] .room-button') as HTMLButtonElement).click();
    (el.shadowRoot!.querySelector('[data-room-id="quiet"] .room-button') as HTMLButtonElement).click();
    assert.deepEqual(seen, ['quiet']);
  });

  test('every room control has an accessible name', async () => {
    const el = await mount();
    for (const b of el.shadowRoot!.querySelectorAll('button')) {
      assert.isNotEmpty(b.getAttribute('aria-label') ?? b.textContent?.trim());
    }
  });

  test('other users get a 0-200 % volume slider; oneself does not', async () => {
    const el = await mount();
    el.userVolumes = { ['b'.repeat(64)]: 0.5 };
    await el.updateComplete;
    const root = el.shadowRoot!;
    assert.isNull(root.querySelector('[data-session-id="1"] .vol-button'));
    const button = root.querySelector('[data-session-id="2"] .vol-button') as HTMLButtonElement;
    assert.equal(button.getAttribute('aria-label'), 'Volume for Bo: 50%');
    assert.equal(button.getAttribute('aria-expanded'), 'false');
    button.click();
    await el.updateComplete;
    assert.equal(button.getAttribute('aria-expanded'), 'true');
    const slider = root.querySelector('[data-session-id="2"] input[type="range"]') as HTMLInputElement;
    assert.equal(slider.getAttribute('aria-label'), 'Volume for Bo');
    assert.equal(slider.max, '200');
    const seen: unknown[] = [];
    el.addEventListener('voice-command', (e: VoiceCommandEvent) => seen.push(e.command));
    slider.value = '150';
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    assert.deepEqual(seen, [{ type: 'set-user-volume', publicKeyHex: 'b'.repeat(64), volume: 1.5 }]);
    slider.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    await el.updateComplete;
    assert.isNull(root.querySelector('[data-session-id="2"] input[type="range"]'));
  });
});

suite('parley-room-list unread badges', () => {
  teardown(() => document.querySelectorAll('parley-room-list').forEach((e) => e.remove()));

  test('shows unread chat counts on rooms and unread direct messages on people, in their accessible names', async () => {
    const el = document.createElement('parley-room-list');
    el.rooms = rooms;
    el.users = [user(1, 'Ana', 'lobby', { publicKeyHex: 'aa' }), user(2, 'Bo', 'lobby', { publicKeyHex: 'bb' })];
    el.currentRoomId = 'lobby';
    el.selfSessionId = 1;
    el.unread = new Map([['quiet', { count: 3, mentioned: true }]]);
    el.directUnread = new Map([['bb', 2]]);
    document.body.append(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    assert.equal(root.querySelector('[data-room-id="quiet"] .unread.mention')!.textContent, '3');
    assert.include(root.querySelector('[data-room-id="quiet"] .room-button')!.getAttribute('aria-label')!, '3 unread chat messages, you were mentioned');
    assert.isNull(root.querySelector('[data-room-id="lobby"] .room-button .unread'));
    assert.equal(root.querySelector('[data-session-id="2"] .unread.dm')!.textContent, '2');
    assert.include(root.querySelector('[data-session-id="2"]')!.getAttribute('aria-label')!, '2 unread direct messages');
  });
});

suite('parley-room-list: permissions for non-admins', () => {
  teardown(() => document.querySelectorAll('parley-room-list').forEach((e) => e.remove()));

  test('a room in permsEditable gets a "Permissions…" button that opens its permissions; others get none', async () => {
    const el = await mount();
    el.permsEditable = new Set(['quiet']);
    await el.updateComplete;
    const root = el.shadowRoot!;
    assert.isNull(root.querySelector('[aria-label="Permissions… of Lobby"]'));
    assert.isNull(root.querySelector('[aria-label^="Actions for"]'));
    const button = root.querySelector<HTMLButtonElement>('[aria-label="Permissions… of Quiet room"]')!;
    assert.equal(button.textContent, 'Permissions…');
    const opened = new Promise<string>((resolve) => el.addEventListener('open-permissions', (e) => resolve((e as Event & { roomId: string }).roomId), { once: true }));
    button.click();
    assert.equal(await opened, 'quiet');
  });
});
