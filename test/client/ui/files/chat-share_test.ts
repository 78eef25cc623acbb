/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../../client/ui/index.ts';
import type { ParleyChatPanel } from '../../../../client/ui/index.ts';
import { FileCommandEvent, FileShareEvent } from '../../../../client/ui/file-events.ts';
import type { FileCardData, FileCommand, OutgoingShareView } from '../../../../client/ui/file-events.ts';
import type { ChatMessageView, ChatState, ConversationView } from '../../../../client/session/index.ts';

const rooms = [{ id: 'lobby', name: 'Lobby', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: false }];
const message: ChatMessageView = {
  id: '01'.repeat(16), seq: 1, authorKeyHex: 'b'.repeat(64), authorName: 'Bo', authorFingerprint: 'abcd', text: 'here it is',
  serverTimeMs: Date.UTC(2026, 10, 20, 12, 3), editedAtMs: null, deleted: null, verified: 'ok', own: false, pendingChange: null,
};
const conversation: ConversationView = {
  key: 'room:lobby', messages: [message], pending: [], hasMore: false, loading: false, loaded: true, lastSeq: 1, readSeq: 1, mentioned: false, peerName: '', loadError: null,
};
const chat: ChatState = { active: 'room:lobby', visible: true, conversations: new Map([[conversation.key, conversation]]), mentionCount: 0, refused: null };

async function mount(files: ReadonlyMap<string, FileCardData> = new Map()): Promise<{ el: ParleyChatPanel; shared: FileShareEvent[] }> {
  const el = document.createElement('parley-chat-panel');
  el.chat = chat;
  el.rooms = rooms;
  el.files = files;
  el.style.width = '360px';
  const shared: FileShareEvent[] = [];
  el.addEventListener(FileShareEvent.type, (e) => shared.push(e as FileShareEvent));
  document.body.append(el);
  await el.updateComplete;
  return { el, shared };
}

function fileList(...files: File[]): FileList {
  const dt = new DataTransfer();
  for (const f of files) dt.items.add(f);
  return dt.files;
}

suite('sharing files from the chat panel', () => {
  teardown(() => document.body.replaceChildren());

  test('the Share button has an accessible name and picked files go to the open conversation', async () => {
    const { el, shared } = await mount();
    const button = el.shadowRoot!.querySelector<HTMLButtonElement>('button.share')!;
    assert.equal(button.getAttribute('aria-label'), 'Share a file in #Lobby');
    const input = el.shadowRoot!.querySelector<HTMLInputElement>('#share-input')!;
    input.files = fileList(new File(['hello'], 'a.txt', { type: 'text/plain' }), new File(['x'], 'b.bin'));
    input.dispatchEvent(new Event('change'));
    assert.lengthOf(shared, 1);
    assert.equal(shared[0]!.conversation, 'room:lobby');
    assert.deepEqual(shared[0]!.files.map((f) => f.name), ['a.txt', 'b.bin']);
  });

  test('files dropped on the panel are shared', async () => {
    const { el, shared } = await mount();
    const dt = new DataTransfer();
    dt.items.add(new File(['hi'], 'dropped.txt'));
    const over = new DragEvent('dragover', { dataTransfer: dt, cancelable: true, bubbles: true, composed: true });
    el.shadowRoot!.querySelector('.log')!.dispatchEvent(over);
    assert.isTrue(over.defaultPrevented, 'dragover accepted so the drop can happen');
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    assert.deepEqual(shared.map((e) => e.files[0]!.name), ['dropped.txt']);
  });

  test("a message with a file shows its card, loaded on demand", async () => {
    const card: FileCardData = {
      offer: { fileId: 'ff'.repeat(16), name: 'notes.pdf', size: 2048, type: 'application/pdf', senderName: 'Bo', own: false, pending: false },
      transfer: null, availability: 'available', previewUrl: null,
    };
    const { el } = await mount(new Map([[message.id, card]]));
    const tag = el.shadowRoot!.querySelector(`li[data-id="${message.id}"] parley-file-card`);
    assert.exists(tag);
    await customElements.whenDefined('parley-file-card');
    await (tag as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
    assert.include(tag!.shadowRoot!.textContent!, 'notes.pdf');
    assert.exists(tag!.shadowRoot!.querySelector('button[aria-label="Download notes.pdf"]'));
  });

  test('files being prepared show in the open conversation with progress and Cancel; a failed one says why until dismissed', async () => {
    const { el } = await mount();
    const shares: OutgoingShareView[] = [
      { id: 'share-1', conversation: 'room:lobby', name: 'film.mkv', size: 400 * 1024 * 1024, status: 'preparing', doneBytes: 100 * 1024 * 1024, error: null },
      { id: 'share-2', conversation: 'room:lobby', name: 'notes.txt', size: 1024, status: 'queued', doneBytes: 0, error: null },
      { id: 'share-3', conversation: 'room:lobby', name: 'huge.iso', size: 5e9, status: 'failed', doneBytes: 0, error: 'too-large' },
      { id: 'share-4', conversation: 'dm:' + 'c'.repeat(64), name: 'elsewhere.bin', size: 10, status: 'queued', doneBytes: 0, error: null },
    ];
    el.outgoing = shares;
    await el.updateComplete;
    await customElements.whenDefined('parley-file-outgoing');
    const list = el.shadowRoot!.querySelector('parley-file-outgoing') as HTMLElement & { updateComplete: Promise<unknown> };
    await list.updateComplete;
    const root = list.shadowRoot!;
    assert.deepEqual([...root.querySelectorAll('li')].map((li) => li.getAttribute('aria-label')), ['Sharing film.mkv', 'Sharing notes.txt', 'Not shared: huge.iso']);
    const bar = root.querySelector<HTMLProgressElement>('progress[aria-label="Preparing film.mkv"]')!;
    assert.equal(bar.value, 25);
    assert.include(root.querySelector('li [role=status]')!.textContent!, '100 MB of 400 MB');
    assert.include(root.querySelector('[role=alert]')!.textContent!, 'too large to share');
    const commands: FileCommand[] = [];
    el.addEventListener(FileCommandEvent.type, (e) => commands.push((e as FileCommandEvent).command));
    root.querySelector<HTMLButtonElement>('button[aria-label="Cancel sharing film.mkv"]')!.click();
    root.querySelector<HTMLButtonElement>('button[aria-label="Dismiss huge.iso"]')!.click();
    assert.deepEqual(commands, [
      { type: 'file-share-cancel', shareId: 'share-1' },
      { type: 'file-share-dismiss', shareId: 'share-3' },
    ]);
    // Queued with nothing being prepared: the page waits for its first sign-in.
    el.outgoing = [shares[1]!];
    await el.updateComplete;
    await list.updateComplete;
    assert.include(root.querySelector('li [role=status]')!.textContent!, 'waits until you are connected');
    el.outgoing = [];
    await el.updateComplete;
    assert.notExists(el.shadowRoot!.querySelector('parley-file-outgoing'));
  });
});
