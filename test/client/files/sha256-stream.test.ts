import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sha256Stream } from '../../../client/files/sha256-stream.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const nodeSha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('Sha256Stream', () => {
  it('matches the FIPS 180-4 vectors (empty, "abc", the 448-bit message, a million "a")', () => {
    const enc = new TextEncoder();
    expect(hex(new Sha256Stream().digest())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(new Sha256Stream().update(enc.encode('abc')).digest())).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(new Sha256Stream().update(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).digest())).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    const s = new Sha256Stream();
    for (let i = 0; i < 1000; i++) s.update(new Uint8Array(1000).fill(0x61));
    expect(hex(s.digest())).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('property: any message cut at any points digests like node:crypto over the whole', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(600), { maxLength: 8 }), (bytes, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const s = new Sha256Stream();
        let at = 0;
        for (const p of [...points, bytes.length]) {
          s.update(bytes.subarray(at, p));
          at = p;
        }
        expect(hex(s.digest())).toBe(nodeSha(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses use after digest (a second digest would hash the padding again)', () => {
    const s = new Sha256Stream();
    s.digest();
    expect(() => s.digest()).toThrow();
    expect(() => s.update(new Uint8Array(1))).toThrow();
  });
});
