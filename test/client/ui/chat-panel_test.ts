/// <reference types="mocha" />
import { SessionError } from '../../../client/session/index.ts';
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyChatPanel, ChatCommandEvent } from '../../../client/ui/index.ts';
import type { ChatCommand, ChatMessageView, ChatState, ConversationView, PendingView, RoomView, UserView } from '../../../client/session/index.ts';

const SELF = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const rooms: RoomView[] = [{ id: 'lobby', name: 'Lobby', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: false }];
const users: UserView[] = [
  { sessionId: 1, publicKeyHex: SELF, displayName: 'Ana', roomId: 'lobby', muted: false, deafened: false, role: 'member' },
  { sessionId: 2, publicKeyHex: OTHER, displayName: 'Bo', roomId: 'lobby', muted: false, deafened: false, role: 'member' },
];

let nextSeq = 1;
function msg(text: string, extra: Partial<ChatMessageView> = {}): ChatMessageView {
  const seq = nextSeq++;
  return {
    id: seq.toString(16).padStart(32, '0'), seq, authorKeyHex: OTHER, authorName: 'Bo', authorFingerprint: 'abcd-efgh-ijkl-mnop',
    text, serverTimeMs: Date.UTC(2026, 10, 20, 12, 3), editedAtMs: null, deleted: null, verified: 'ok', own: false, pendingChange: null, ...extra,
  };
}

function state(messages: ChatMessageView[], extra: Partial<ConversationView> = {}, pending: PendingView[] = []): ChatState {
  const c: ConversationView = {
    key: 'room:lobby', messages, pending, hasMore: false, loading: false, loaded: true, lastSeq: messages.at(-1)?.seq ?? 0, readSeq: 0,
    mentioned: false, peerName: '', loadError: null, ...extra,
  };
  return { active: 'room:lobby', visible: true, conversations: new Map([[c.key, c]]), mentionCount: 0, refused: null };
}

async function mount(chat: ChatState, isAdmin = false): Promise<{ el: ParleyChatPanel; commands: ChatCommand[] }> {
  const el = document.createElement('parley-chat-panel');
  el.chat = chat;
  el.rooms = rooms;
  el.users = users;
  el.selfKeyHex = SELF;
  el.selfName = 'Ana';
  el.isAdmin = isAdmin;
  const commands: ChatCommand[] = [];
  el.addEventListener('chat-command', (e: ChatCommandEvent) => commands.push(e.command));
  document.body.append(el);
  await el.updateComplete;
  return { el, commands };
}

suite('parley-chat-panel', () => {
  teardown(() => document.querySelectorAll('parley-chat-panel').forEach((e) => e.remove()));

  test('the log is a polite live region labelled with the conversation, and the input has a label', async () => {
    const { el } = await mount(state([msg('hi')]));
    const log = el.shadowRoot!.querySelector('.log')!;
    assert.equal(log.getAttribute('role'), 'log');
    assert.equal(log.getAttribute('aria-live'), 'polite');
    assert.equal(log.getAttribute('aria-label'), 'Messages in #Lobby');
    const label = el.shadowRoot!.querySelector('label[for="compose"]')!;
    assert.equal(label.textContent!.trim(), 'Message #Lobby');
  });

  test('renders HTML and javascript: links typed by users as inert text; http(s) links open safely', async () => {
    (window as unknown as { __xss?: number }).__xss = undefined;
    const { el } = await mount(state([
      msg('<img src=x onerror="window.__xss=1">'),
      msg('javascript:window.__xss=2'),
      msg('<a href="javascript:window.__xss=3">click</a> and https://example.org/x?y=1.'),
    ]));
    const root = el.shadowRoot!;
    assert.isNull(root.querySelector('img'));
    const links = [...root.querySelectorAll('a')];
    assert.lengthOf(links, 1);
    assert.equal(links[0]!.getAttribute('href'), 'https://example.org/x?y=1');
    assert.equal(links[0]!.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(links[0]!.getAttribute('target'), '_blank');
    const texts = [...root.querySelectorAll('.text')].map((t) => t.textContent);
    assert.deepEqual(texts, ['<img src=x onerror="window.__xss=1">', 'javascript:window.__xss=2', '<a href="javascript:window.__xss=3">click</a> and https://example.org/x?y=1.']);
    await new Promise((r) => requestAnimationFrame(r));
    assert.isUndefined((window as unknown as { __xss?: number }).__xss);
  });

  test('Enter sends, Shift+Enter does not, and the box clears', async () => {
    const { el, commands } = await mount(state([]));
    const area = el.shadowRoot!.querySelector<HTMLTextAreaElement>('#compose')!;
    area.value = 'line one';
    area.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true, composed: true }));
    assert.deepEqual(commands, []);
    area.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
    assert.deepEqual(commands, [{ type: 'chat-send', conversation: 'room:lobby', text: 'line one' }]);
    assert.equal(area.value, '');
  });

  test('shows pending and unverifiable markers, and offers discard for unsent messages', async () => {
    const pending: PendingView[] = [{ id: 'f'.repeat(32), text: 'still offline', clientTimeMs: Date.now(), status: 'queued', error: null }];
    const { el, commands } = await mount(state([msg('tampered', { verified: 'bad' })], {}, pending));
    const root = el.shadowRoot!;
    assert.include(root.querySelector('.msg.unverified')!.textContent!, 'unverifiable');
    const p = root.querySelector('.msg.pending')!;
    assert.include(p.textContent!, 'still offline');
    assert.include(p.textContent!, 'Not sent yet');
    const discard = p.querySelector('button')!;
    assert.match(discard.getAttribute('aria-label')!, /^Discard your unsent message from /);
    discard.click();
    assert.deepEqual(commands, [{ type: 'chat-discard', conversation: 'room:lobby', pendingId: 'f'.repeat(32) }]);
  });

  test('own messages get Edit and Delete with accessible names; others only for admins (Delete)', async () => {
    const mine = msg('mine', { own: true, authorKeyHex: SELF, authorName: 'Ana' });
    const theirs = msg('theirs');
    let { el } = await mount(state([mine, theirs]));
    let root = el.shadowRoot!;
    const labels = [...root.querySelectorAll('.actions button')].map((b) => b.getAttribute('aria-label'));
    assert.lengthOf(labels, 2);
    assert.match(labels[0]!, /^Edit your message from /);
    assert.match(labels[1]!, /^Delete your message from /);
    el.remove();
    ({ el } = await mount(state([mine, theirs]), true));
    root = el.shadowRoot!;
    const other = root.querySelector(`[data-id="${theirs.id}"] .delete-btn`)!;
    assert.match(other.getAttribute('aria-label')!, /^Delete Bo’s message from /);
    assert.isNull(root.querySelector(`[data-id="${theirs.id}"] .edit-btn`));
  });

  test('editing: Edit opens a labelled box, Enter saves as chat-edit', async () => {
    const mine = msg('teh', { own: true, authorKeyHex: SELF, authorName: 'Ana' });
    const { el, commands } = await mount(state([mine]));
    el.shadowRoot!.querySelector<HTMLButtonElement>('.edit-btn')!.click();
    await el.updateComplete;
    const box = el.shadowRoot!.querySelector<HTMLTextAreaElement>(`#edit-${mine.id}`)!;
    assert.equal(box.value, 'teh');
    box.value = 'the';
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true }));
    assert.deepEqual(commands, [{ type: 'chat-edit', conversation: 'room:lobby', messageId: mine.id, text: 'the' }]);
  });

  test('shows a progress indicator while loading and a Load older button when there is more', async () => {
    const { el, commands } = await mount(state([msg('x')], { hasMore: true }));
    const older = el.shadowRoot!.querySelector<HTMLButtonElement>('.older')!;
    older.click();
    assert.deepEqual(commands, [{ type: 'chat-load-older', conversation: 'room:lobby' }]);
    el.chat = state([msg('y')], { loading: true, hasMore: true });
    await el.updateComplete;
    assert.isNotNull(el.shadowRoot!.querySelector('.loading[role="status"] progress'));
  });

  test('highlights messages that mention the user by name', async () => {
    const { el } = await mount(state([msg('hey @ana look'), msg('banana')]));
    const items = [...el.shadowRoot!.querySelectorAll('.msg')];
    assert.isTrue(items[0]!.classList.contains('mention'));
    assert.isFalse(items[1]!.classList.contains('mention'));
  });

  test('a refused edit shows as an alert with the reason, and Dismiss asks to clear it', async () => {
    const refused = { action: 'edit' as const, conversation: 'room:lobby', error: new SessionError('chat-forbidden', 'not yours') };
    const { el, commands } = await mount({ ...state([msg('mine')]), refused });
    const alert = el.shadowRoot!.querySelector('.refused[role="alert"]')!;
    assert.include(alert.textContent!, 'Your edit was refused');
    assert.include(alert.textContent!, 'someone else');
    alert.querySelector('button')!.click();
    assert.deepEqual(commands, [{ type: 'chat-dismiss-refusal' }]);
  });

  test('a temporary room says plainly its messages are not kept, shows them as usual, and offers no Edit or Delete', async () => {
    const temp: RoomView = { id: 'tmp-1', name: 'Huddle', parentId: 'lobby', position: 0, voiceId: 2, description: '', userLimit: 0, pending: false };
    const chat = state([msg('said live'), msg('mine', { own: true, authorKeyHex: SELF, authorName: 'Ana' })], { key: 'room:tmp-1' });
    const { el } = await mount({ ...chat, active: 'room:tmp-1' }, true);
    el.rooms = [...rooms, temp];
    el.tempRooms = [temp];
    await el.updateComplete;
    const note = el.shadowRoot!.querySelector('.unkept[role="note"]')!;
    assert.include(note.textContent!, 'Messages in a temporary room are not kept');
    assert.deepEqual([...el.shadowRoot!.querySelectorAll('.text')].map((t) => t.textContent), ['said live', 'mine']);
    assert.equal(el.shadowRoot!.querySelector('.log')!.getAttribute('aria-label'), 'Messages in #Huddle');
    assert.isNull(el.shadowRoot!.querySelector('.edit-btn, .delete-btn'));
    // An ordinary room: no such note, and the usual actions.
    el.tempRooms = [];
    await el.updateComplete;
    assert.isNull(el.shadowRoot!.querySelector('.unkept'));
    assert.isNotNull(el.shadowRoot!.querySelector('.edit-btn'));
  });
});
