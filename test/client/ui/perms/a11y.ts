/** Helpers for the perms UI tests: keyboard-only moves and accessible names, through every shadow root. */
import { sendKeys } from '@web/test-runner-commands';

/** The focused element, looking inside shadow roots. */
export function deepActive(): Element | null {
  let a: Element | null = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

/** Presses Tab until `match` holds for the focused element (at most `max` presses). */
export async function tabTo(match: (el: Element) => boolean, max = 80): Promise<Element> {
  for (let i = 0; i < max; i++) {
    const a = deepActive();
    if (a && match(a)) return a;
    await sendKeys({ press: 'Tab' });
  }
  throw new Error(`no focusable element matched within ${max} Tab presses [at:${deepActive()?.outerHTML.slice(0, 80)}]`);
}

/** Every interactive control under `root`, inside nested shadow roots too. */
export function controls(root: ParentNode): HTMLElement[] {
  const out: HTMLElement[] = [];
  const walk = (n: ParentNode): void => {
    for (const el of n.querySelectorAll('*')) {
      if (el.matches('button, input, select, textarea, summary')) out.push(el as HTMLElement);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(root);
  return out;
}

/** A control's accessible name as Chromium would compute it for these simple cases. */
export function accessibleName(el: HTMLElement): string {
  const aria = el.getAttribute('aria-label');
  if (aria) return aria.trim();
  const labelledBy = el.getAttribute('aria-labelledby');
  if (labelledBy) return (el.getRootNode() as ShadowRoot).getElementById(labelledBy)?.textContent?.trim() ?? '';
  const labels = (el as HTMLInputElement).labels;
  if (labels && labels.length > 0) return [...labels].map((l) => l.textContent ?? '').join(' ').replace(/\s+/g, ' ').trim();
  if (el.matches('button, summary')) return (el.textContent ?? '').replace(/\s+/g, ' ').trim();
  return '';
}
