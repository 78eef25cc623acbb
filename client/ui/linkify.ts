/**
 * Splits message text into plain runs and http(s) links, so the chat panel
 * can build `<a>` elements from data: no HTML is ever parsed from what a user
 * typed. Only `http:` and `https:` URLs become links; `javascript:`, `data:`
 * and every other scheme stay text. Pure.
 */

/** One run of a message. */
export type TextPart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'link'; readonly text: string; readonly href: string };

/** Candidate URLs: an http(s) scheme, then anything but whitespace and angle brackets/quotes. */
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/giu;
/** Punctuation that usually ends a sentence rather than a URL. */
const TRAILING = '.,;:!?]}\'';

const count = (s: string, c: string): number => s.split(c).length - 1;

/** Drops trailing punctuation, and a closing parenthesis unless it closes one opened inside the URL. */
function trimTrailing(candidate: string): string {
  let c = candidate;
  for (;;) {
    const last = c.at(-1) ?? '';
    if (last === ')' && count(c, '(') < count(c, ')')) c = c.slice(0, -1);
    else if (last !== '' && TRAILING.includes(last)) c = c.slice(0, -1);
    else return c;
  }
}

function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '') return url.href;
  } catch {
    // not a URL after all: stays text
  }
  return null;
}

/** The text's parts in order; joining every part's `text` gives back the input exactly. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const candidate = trimTrailing(match[0]);
    const href = safeHref(candidate);
    if (!href) continue;
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) });
    parts.push({ kind: 'link', text: candidate, href });
    last = start + candidate.length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}
