/** linkify: only http(s) URLs become links, and the parts always join back to the input. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { linkify } from '../../../client/ui/linkify.ts';

describe('linkify', () => {
  it('finds http(s) links and trims sentence punctuation', () => {
    expect(linkify('see https://example.org/a?b=1, and http://x.test.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'http://x.test', href: 'http://x.test/' },
      { kind: 'text', text: '.' },
    ]);
    expect(linkify('(https://en.wikipedia.org/wiki/Foo_(bar))')[1]).toMatchObject({ kind: 'link', text: 'https://en.wikipedia.org/wiki/Foo_(bar)' });
  });

  it('leaves javascript:, data: and other schemes as text', () => {
    for (const t of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'file:///etc/passwd', '<a href="javascript:alert(1)">x</a>']) {
      expect(linkify(t).every((p) => p.kind === 'text' || /^https?:/.test(p.href))).toBe(true);
      expect(linkify(t).map((p) => p.text).join('')).toBe(t);
    }
    expect(linkify('javascript:alert(1)')).toEqual([{ kind: 'text', text: 'javascript:alert(1)' }]);
  });

  it('always rejoins to the input, and every href is an absolute http(s) URL', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.webUrl({ validSchemes: ['http', 'https', 'ftp'] }),
      fc.constantFrom('javascript:', 'https://', 'http://', ' ', ')', '.', '<', '"', 'data:'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const text = pieces.join('');
        const parts = linkify(text);
        expect(parts.map((p) => p.text).join('')).toBe(text);
        for (const p of parts) if (p.kind === 'link') expect(new URL(p.href).protocol).toMatch(/^https?:$/);
      }),
      { numRuns: 150 },
    );
  });
});
