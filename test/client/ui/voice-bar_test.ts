/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyVoiceBar, VoiceCommandEvent, VoiceToggleEvent } from '../../../client/ui/index.ts';

async function mount(props: Partial<Pick<ParleyVoiceBar, 'muted' | 'deafened' | 'level' | 'voiceStatus' | 'transmitMode' | 'pttKey' | 'pttDown'>> = {}): Promise<ParleyVoiceBar> {
  const el = document.createElement('parley-voice-bar');
  Object.assign(el, props);
  document.body.append(el);
  await el.updateComplete;
  return el;
}

suite('parley-voice-bar', () => {
  teardown(() => document.querySelectorAll('parley-voice-bar').forEach((e) => e.remove()));

  test('mute button reflects state with aria-pressed and asks for the opposite', async () => {
    const el = await mount({ muted: true });
    const seen: Array<[string, boolean]> = [];
    el.addEventListener('voice-toggle', (e: VoiceToggleEvent) => seen.push([e.control, e.on]));
    const [mute, deafen] = el.shadowRoot!.querySelectorAll('button');
    assert.equal(mute!.getAttribute('aria-pressed'), 'true');
    assert.equal(mute!.textContent, 'Unmute');
    mute!.click();
    deafen!.click();
    assert.deepEqual(seen, [['mute', false], ['deafen', true]]);
  });

  test('keyboard shortcut M toggles mute, but not while typing in a field', async () => {
    const el = await mount();
    const seen: string[] = [];
    el.addEventListener('voice-toggle', (e: VoiceToggleEvent) => seen.push(e.control));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'm' }));
    const input = document.createElement('input');
    document.body.append(input);
    input.dispatchEvent(new KeyboardEvent('keydown', { key: 'm', bubbles: true, composed: true }));
    input.remove();
    assert.deepEqual(seen, ['mute']);
  });

  test('level meter exposes its value to assistive tech', async () => {
    const el = await mount({ level: 0.42, voiceStatus: 'ready' });
    const meter = el.shadowRoot!.querySelector('[role="meter"]')!;
    assert.equal(meter.getAttribute('aria-valuenow'), '42');
    assert.equal(meter.getAttribute('aria-label'), 'Microphone level');
    assert.equal(el.shadowRoot!.querySelector('[role="status"]')!.textContent!.trim(), 'Voice connected');
  });

  /** Collects push-to-talk commands and mirrors them into `pttDown`, as the app does via the session. */
  function pttLog(el: ParleyVoiceBar): boolean[] {
    const seen: boolean[] = [];
    el.addEventListener('voice-command', (e: VoiceCommandEvent) => {
      if (e.command.type === 'push-to-talk') {
        seen.push(e.command.down);
        el.pttDown = e.command.down;
      }
    });
    return seen;
  }

  test('push-to-talk key talks while held, ignores auto-repeat, and not while typing', async () => {
    const el = await mount({ transmitMode: 'push-to-talk', pttKey: 'KeyV' });
    const seen = pttLog(el);
    window.dispatchEvent(new KeyboardEvent('keydown', { code: 'KeyV', key: 'v' }));
    await el.updateComplete;
    window.dispatchEvent(new KeyboardEvent('keydown', { code: 'KeyV', key: 'v', repeat: true }));
    window.dispatchEvent(new KeyboardEvent('keyup', { code: 'KeyV', key: 'v' }));
    const input = document.createElement('input');
    document.body.append(input);
    input.dispatchEvent(new KeyboardEvent('keydown', { code: 'KeyV', key: 'v', bubbles: true, composed: true }));
    input.remove();
    assert.deepEqual(seen, [true, false]);
  });

  test('losing focus releases push-to-talk', async () => {
    const el = await mount({ transmitMode: 'push-to-talk', pttKey: 'KeyV' });
    const seen = pttLog(el);
    window.dispatchEvent(new KeyboardEvent('keydown', { code: 'KeyV' }));
    window.dispatchEvent(new Event('blur'));
    assert.deepEqual(seen, [true, false]);
  });

  test('the hold-to-talk button talks while pressed (pointer or Space) and only shows in push-to-talk mode', async () => {
    const el = await mount({ transmitMode: 'voice-activation' });
    assert.isNull(el.shadowRoot!.querySelector('button.talk'));
    el.transmitMode = 'push-to-talk';
    await el.updateComplete;
    const seen = pttLog(el);
    const talk = el.shadowRoot!.querySelector('button.talk') as HTMLButtonElement;
    assert.equal(talk.getAttribute('aria-label'), 'Hold to talk');
    talk.dispatchEvent(new PointerEvent('pointerdown', { pointerId: 1, bubbles: true }));
    await el.updateComplete;
    assert.equal(talk.getAttribute('aria-pressed'), 'true');
    talk.dispatchEvent(new PointerEvent('pointerup', { pointerId: 1, bubbles: true }));
    talk.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    talk.dispatchEvent(new KeyboardEvent('keyup', { key: ' ', bubbles: true }));
    assert.deepEqual(seen, [true, false, true, false]);
  });

  test('Settings asks to open the voice settings', async () => {
    const el = await mount();
    let opened = 0;
    el.addEventListener('open-voice-settings', () => opened++);
    (el.shadowRoot!.querySelector('button.settings') as HTMLButtonElement).click();
    assert.equal(opened, 1);
  });
});
