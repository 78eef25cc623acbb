import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { turnCredentials, turnRefreshMs } from '../../../relay/files/index.ts';

const KEY_HEX = 'ab'.repeat(32);

describe('TURN REST credentials', () => {
  it('match the coturn use-auth-secret vector: "<expiry>:<key>" and base64(HMAC-SHA1(secret, username))', () => {
    const settings = { urls: ['turn:turn.example.org:3478'], secret: 'north-wind', ttlSeconds: 3600 };
    const grant = turnCredentials(settings, KEY_HEX, 1_700_000_000_500);
    expect(grant.expiresAt).toBe(1_700_003_600);
    expect(grant.username).toBe(`1700003600:${KEY_HEX}`);
    expect(grant.credential).toBe(createHmac('sha1', 'north-wind').update(`1700003600:${KEY_HEX}`).digest('base64'));
    expect(grant.urls).toEqual(['turn:turn.example.org:3478']);
    expect(JSON.stringify(grant)).not.toContain('north-wind');
  });

  it('expire ttl seconds after now for any clock and ttl, refreshed at half the ttl', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 60, max: 604_800 }), (nowMs, ttlSeconds) => {
      const settings = { urls: ['turns:t.example:5349'], secret: 's', ttlSeconds };
      const grant = turnCredentials(settings, KEY_HEX, nowMs);
      expect(grant.expiresAt).toBe(Math.floor(nowMs / 1000) + ttlSeconds);
      expect(grant.username.split(':')).toEqual([String(grant.expiresAt), KEY_HEX]);
      expect(Buffer.from(grant.credential, 'base64').byteLength).toBe(20);
      expect(turnRefreshMs(settings)).toBeLessThan(ttlSeconds * 1000);
    }));
  });
});
