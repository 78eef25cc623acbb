/**
 * Renders message text as Lit template parts: plain runs as text nodes and
 * http(s) URLs as `<a target="_blank" rel="noopener noreferrer">`. Built
 * from data with bindings, never from an HTML string, so nothing a user types
 * can become markup or script.
 */
import { html } from 'lit';
import type { TemplateResult } from 'lit';
import { linkify } from './linkify.ts';

/** Text and links of one message. */
export function messageText(text: string): Array<string | TemplateResult> {
  return linkify(text).map((part) =>
    part.kind === 'text' ? part.text : html`<a href=${part.href} target="_blank" rel="noopener noreferrer">${part.text}</a>`,
  );
}
