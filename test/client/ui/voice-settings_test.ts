/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyVoiceSettings, VoiceCommandEvent } from '../../../client/ui/index.ts';
import { DEFAULT_VOICE_SETTINGS } from '../../../client/session/index.ts';
import type { VoiceCommand } from '../../../client/session/index.ts';

async function mount(extra: Partial<Pick<ParleyVoiceSettings, 'settings' | 'devices' | 'micTest' | 'level'>> = {}) {
  const el = document.createElement('parley-voice-settings');
  el.devices = {
    inputs: [{ id: 'm1', label: 'Desk mic' }, { id: 'm2', label: 'Headset' }],
    outputs: [{ id: 's1', label: 'Speakers' }],
    canChooseOutput: true,
  };
  Object.assign(el, extra);
  document.body.append(el);
  await el.updateComplete;
  const seen: VoiceCommand[] = [];
  el.addEventListener('voice-command', (e: VoiceCommandEvent) => seen.push(e.command));
  return { el, root: el.shadowRoot!, seen };
}

suite('parley-voice-settings', () => {
  teardown(() => document.querySelectorAll('parley-voice-settings').forEach((e) => e.remove()));

  test('opens as a modal dialog with focus inside, and closes on Escape', async () => {
    const { el, root } = await mount();
    assert.isFalse(el.isOpen);
    el.show();
    assert.isTrue(el.isOpen);
    assert.isTrue(root.querySelector('dialog')!.contains(root.activeElement));
    root.querySelector('dialog')!.dispatchEvent(new Event('cancel', { cancelable: true }));
    el.close();
    assert.isFalse(el.isOpen);
  });

  test('every control has a label', async () => {
    const { root } = await mount();
    for (const input of root.querySelectorAll('input[type="range"], select')) {
      assert.isNotNull(root.querySelector(`label[for="${input.id}"]`), input.id);
    }
    for (const b of root.querySelectorAll('button')) assert.isNotEmpty(b.getAttribute('aria-label') ?? b.textContent!.trim());
  });

  test('mode, threshold, hang, devices, gain and volume changes become voice commands', async () => {
    const { root, seen } = await mount({ settings: { ...DEFAULT_VOICE_SETTINGS, transmitMode: 'voice-activation' } });
    const set = (sel: string, value: string, event = 'input') => {
      const c = root.querySelector(sel) as HTMLInputElement | HTMLSelectElement;
      c.value = value;
      c.dispatchEvent(new Event(event, { bubbles: true }));
    };
    set('#threshold', '-30');
    set('#hang', '800');
    set('#input-device', 'm2', 'change');
    set('#output-device', '', 'change');
    set('#input-gain', '150');
    set('#output-volume', '50');
    (root.querySelector('input[value="push-to-talk"]') as HTMLInputElement).click();
    assert.deepEqual(seen, [
      { type: 'set-voice-activation', thresholdDb: -30 },
      { type: 'set-voice-activation', hangMs: 800 },
      { type: 'set-input-device', deviceId: 'm2' },
      { type: 'set-output-device', deviceId: null },
      { type: 'set-input-gain', gain: 1.5 },
      { type: 'set-output-volume', volume: 0.5 },
      { type: 'set-transmit-mode', mode: 'push-to-talk' },
    ]);
  });

  test('shows the live level against the threshold line', async () => {
    const { root } = await mount({ level: 0.5, settings: { ...DEFAULT_VOICE_SETTINGS, vadThresholdDb: -45 } });
    const meter = root.querySelector('[role="meter"]')!;
    assert.equal(meter.getAttribute('aria-valuenow'), '50');
    assert.equal((root.querySelector('.threshold') as HTMLElement).style.left, '25%');
  });

  test('captures the next key as the push-to-talk key; Escape cancels', async () => {
    const { el, root, seen } = await mount({ settings: { ...DEFAULT_VOICE_SETTINGS, transmitMode: 'push-to-talk' } });
    assert.equal(root.querySelector('kbd')!.textContent, 'V');
    (root.querySelector('button.change-key') as HTMLButtonElement).click();
    await el.updateComplete;
    window.dispatchEvent(new KeyboardEvent('keydown', { code: 'Backquote' }));
    await el.updateComplete;
    (root.querySelector('button.change-key') as HTMLButtonElement).click();
    await el.updateComplete;
    window.dispatchEvent(new KeyboardEvent('keydown', { code: 'Escape' }));
    assert.deepEqual(seen, [{ type: 'set-ptt-key', code: 'Backquote' }]);
  });

  test('explains when the browser cannot choose the speaker', async () => {
    const { root } = await mount();
    const el2 = document.createElement('parley-voice-settings');
    el2.devices = { inputs: [], outputs: [], canChooseOutput: false };
    document.body.append(el2);
    await el2.updateComplete;
    assert.isNotNull(root.querySelector('select#output-device'));
    assert.isNull(el2.shadowRoot!.querySelector('select#output-device'));
    assert.include(el2.shadowRoot!.querySelector('#output-device')!.textContent!, 'does not let web pages choose the speaker');
  });

  test('mic test toggles, and closing the dialog stops it', async () => {
    const { el, root, seen } = await mount({ micTest: false });
    (root.querySelector('button.mic-test') as HTMLButtonElement).click();
    el.micTest = true;
    await el.updateComplete;
    assert.equal(root.querySelector('button.mic-test')!.getAttribute('aria-pressed'), 'true');
    el.show();
    el.close();
    root.querySelector('dialog')!.dispatchEvent(new Event('close'));
    assert.deepEqual(seen.filter((c) => c.type === 'set-mic-test'), [
      { type: 'set-mic-test', on: true },
      { type: 'set-mic-test', on: false },
    ]);
  });
});
