/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../../client/ui/files/index.ts';
import { FileError } from '../../../../client/files/index.ts';
import type { FileOffer, TransferView } from '../../../../client/files/index.ts';
import type { ParleyFileCard } from '../../../../client/ui/files/index.ts';
import { FileCommandEvent } from '../../../../client/ui/file-events.ts';
import type { FileCommand } from '../../../../client/ui/file-events.ts';

const offer: FileOffer = { fileId: 'ab'.repeat(16), name: 'holiday <b>photo</b>.png', size: 20 * 1024 * 1024, type: 'image/png', senderName: 'Bo', own: false, pending: false };

function transfer(status: TransferView['status'], extra: Partial<TransferView['progress']> = {}, error: FileError | null = null): TransferView {
  return {
    fileId: offer.fileId, status, error, seeding: true,
    progress: { heldBytes: 5 * 1024 * 1024, totalBytes: offer.size, heldChunks: 80, totalChunks: 320, bytesPerSecond: 2 * 1024 * 1024, peers: 2, directPeers: 2, resumedChunks: 0, fetchedChunks: 80, relayChunks: 0, uploadedBytes: 0, secondsLeft: 8, path: 'direct', ...extra },
  };
}

async function mount(o: FileOffer, t: TransferView | null, availability: ParleyFileCard['availability'] = 'available'): Promise<{ el: ParleyFileCard; commands: FileCommand[] }> {
  const el = document.createElement('parley-file-card');
  el.offer = o;
  el.transfer = t;
  el.availability = availability;
  el.style.width = '320px';
  const commands: FileCommand[] = [];
  el.addEventListener(FileCommandEvent.type, (e) => commands.push((e as FileCommandEvent).command));
  document.body.append(el);
  await el.updateComplete;
  return { el, commands };
}

const root = (el: HTMLElement): ShadowRoot => el.shadowRoot!;
const button = (el: HTMLElement, name: string): HTMLButtonElement => {
  const b = [...root(el).querySelectorAll('button')].find((x) => x.getAttribute('aria-label') === name);
  assert.exists(b, `button named ${name}`);
  return b!;
};

suite('parley-file-card', () => {
  teardown(() => document.body.replaceChildren());

  test('shows name (as text), size, type and sender, and Download names the file', async () => {
    const { el, commands } = await mount(offer, transfer('idle', { heldBytes: 0, heldChunks: 0 }));
    const text = root(el).textContent!;
    assert.include(text, 'holiday <b>photo</b>.png');
    assert.isNull(root(el).querySelector('b'));
    assert.include(text, '20 MB');
    assert.include(text, 'image/png');
    assert.include(text, 'from Bo');
    button(el, `Download ${offer.name}`).click();
    assert.deepEqual(commands, [{ type: 'file-download', fileId: offer.fileId }]);
  });

  test('while downloading: progress bar with speed, peers, time left and path, and Cancel', async () => {
    const { el, commands } = await mount(offer, transfer('downloading'));
    const bar = root(el).querySelector('progress')!;
    assert.equal(bar.value, 25);
    assert.equal(bar.getAttribute('aria-label'), `Downloading ${offer.name}`);
    const status = root(el).querySelector('[role=status]')!.textContent!;
    assert.include(status, '5.0 MB of 20 MB');
    assert.include(status, '2.0 MB/s');
    assert.include(status, '8 s left');
    assert.include(status, 'direct from 2 peers');
    button(el, `Cancel downloading ${offer.name}`).click();
    assert.deepEqual(commands, [{ type: 'file-cancel', fileId: offer.fileId }]);
  });

  test('says when the relay carries the bytes', async () => {
    const { el } = await mount(offer, transfer('downloading', { path: 'relay', directPeers: 0, peers: 1 }));
    assert.include(root(el).textContent!, 'through the relay');
    assert.notInclude(root(el).textContent!, 'direct from');
    el.transfer = transfer('downloading', { path: 'mixed', directPeers: 1, peers: 2 });
    await el.updateComplete;
    assert.include(root(el).textContent!, 'direct from 1 peer and through the relay');
  });

  test('says it waits for someone who has it, or why no path exists', async () => {
    const { el } = await mount(offer, transfer('waiting', { peers: 0 }), 'nobody-online');
    assert.include(root(el).textContent!, 'Waiting for someone who has it');
    el.availability = 'no-path';
    await el.updateComplete;
    assert.include(root(el).textContent!, 'relay is not allowed to carry files');
  });

  test('complete: image preview with alt text, Save and Stop seeding', async () => {
    const { el, commands } = await mount(offer, transfer('complete', { heldBytes: offer.size }));
    el.previewUrl = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await el.updateComplete;
    assert.equal(root(el).querySelector('img')!.alt, `Preview of ${offer.name}`);
    button(el, `Save ${offer.name}`).click();
    button(el, `Stop seeding ${offer.name}`).click();
    assert.deepEqual(commands.map((c) => c.type), ['file-save', 'file-stop-seeding']);
  });

  test('a finished download says which path it took', async () => {
    const { el } = await mount(offer, transfer('complete', { heldBytes: offer.size, fetchedChunks: 320, relayChunks: 320 }));
    assert.include(root(el).textContent!, 'Downloaded through the relay, and shared with others who ask.');
    el.transfer = transfer('complete', { heldBytes: offer.size, fetchedChunks: 320, relayChunks: 20 });
    await el.updateComplete;
    assert.include(root(el).textContent!, 'Downloaded, partly through the relay');
    el.transfer = transfer('complete', { heldBytes: offer.size, fetchedChunks: 320, relayChunks: 0 });
    await el.updateComplete;
    assert.include(root(el).textContent!, 'Downloaded directly from other browsers');
  });

  test('audio is previewed with a player', async () => {
    const { el } = await mount({ ...offer, name: 'a.ogg', type: 'audio/ogg' }, transfer('complete'));
    el.previewUrl = 'data:audio/ogg;base64,';
    await el.updateComplete;
    assert.exists(root(el).querySelector('audio[controls]'));
  });

  test('own file: Stop sharing; pending in the outbox: no buttons, says it waits', async () => {
    const { el, commands } = await mount({ ...offer, own: true }, null);
    button(el, `Stop sharing ${offer.name}`).click();
    assert.deepEqual(commands, [{ type: 'file-stop-sharing', fileId: offer.fileId }]);
    el.offer = { ...offer, own: true, pending: true };
    await el.updateComplete;
    assert.lengthOf(root(el).querySelectorAll('button'), 0);
    assert.include(root(el).textContent!, 'waits until you are connected');
  });

  test('a quota failure is explained in plain language and offers to try again', async () => {
    const { el } = await mount(offer, transfer('failed', {}, new FileError('quota-exceeded', 'x')));
    assert.include(root(el).querySelector('[role=alert]')!.textContent!, 'storage limit for shared files is full');
    button(el, `Try downloading ${offer.name} again`);
  });

  test('fits 360 px: nothing overflows the card', async () => {
    const { el } = await mount({ ...offer, name: 'a-very-long-file-name-without-any-spaces-in-it-at-all-0123456789.png' }, transfer('downloading'));
    el.style.width = '300px';
    await el.updateComplete;
    const card = root(el).querySelector('.card') as HTMLElement;
    assert.isAtMost(card.scrollWidth, card.clientWidth + 1);
  });

  test('buttons are reachable with the keyboard (real buttons, in tab order)', async () => {
    const { el } = await mount(offer, transfer('complete'));
    for (const b of root(el).querySelectorAll('button')) assert.notEqual(b.tabIndex, -1);
  });
});
