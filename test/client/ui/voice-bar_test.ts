/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyVoiceBar, VoiceToggleEvent } from '../../../client/ui/index.ts';

async function mount(props: Partial<Pick<ParleyVoiceBar, 'muted' | 'deafened' | 'level' | 'voiceStatus'>> = {}): Promise<ParleyVoiceBar> {
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
});
