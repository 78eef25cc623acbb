/**
 * The client's relay list (client/session/connection/relay-list.ts): what a
 * relay sends is checked like any peer input (properties over arbitrary
 * lists), the home relay is always kept, failover goes round the list, and
 * the list persists by home URL.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RELAYS, RelayList, cleanRelayUrls, memoryRelayLists, storageRelayLists } from '../../../../client/session/connection/relay-list.ts';

const HOME = 'wss://home.example/ws';
const url = fc.tuple(fc.constantFrom('ws', 'wss'), fc.stringMatching(/^[a-z0-9.-]{1,30}$/)).map(([s, h]) => `${s}://${h}/ws`);
const anyEntry = fc.oneof(url, fc.string(), fc.constant('javascript:alert(1)'), fc.constant(`wss://${'x'.repeat(300)}`), fc.constant('wss://a b/ws'));

/** A Storage over a Map (the page's localStorage shape). */
function mapStorage(): Storage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k), clear: () => m.clear(), key: () => null, get length() { return m.size; } };
}

describe('relay list', () => {
  it('keeps only distinct ws(s) URLs of at most 256 characters, at most 16, the home first and once', () => {
    fc.assert(
      fc.property(fc.array(anyEntry, { maxLength: 40 }), (sent) => {
        const list = new RelayList(HOME);
        list.accept(sent);
        const urls = list.urls;
        expect(urls[0]).toBe(HOME);
        expect(new Set(urls).size).toBe(urls.length);
        expect(urls.length).toBeLessThanOrEqual(MAX_RELAYS + 1);
        for (const u of urls) expect(u).toMatch(/^wss?:\/\/[\x21-\x7e]{1,250}$/);
        for (const u of cleanRelayUrls(sent)) if (urls.length <= MAX_RELAYS) expect(urls).toContain(u);
      }),
    );
  });

  it('after a failure the next attempt goes to the next relay, round the list, and back home', () => {
    const list = new RelayList(HOME);
    list.accept(['wss://b.example/ws', 'wss://c.example/ws', HOME]);
    const seen = [list.current];
    for (let i = 0; i < 3; i++) {
      list.advance();
      seen.push(list.current);
    }
    expect(seen).toEqual([HOME, 'wss://b.example/ws', 'wss://c.example/ws', HOME]);
  });

  it('a new list keeps the relay the client is on, even when that relay is not in it', () => {
    const list = new RelayList(HOME);
    list.accept(['wss://b.example/ws']);
    list.advance();
    expect(list.current).toBe('wss://b.example/ws');
    list.accept(['wss://c.example/ws']);
    expect(list.current).toBe('wss://b.example/ws');
    expect(list.urls).toEqual([HOME, 'wss://c.example/ws', 'wss://b.example/ws']);
  });

  it('alone (no list) every attempt goes home', () => {
    const list = new RelayList(HOME);
    list.advance();
    list.advance();
    expect(list.current).toBe(HOME);
  });

  it('persists by home URL; damaged storage reads as no list', () => {
    const storage = mapStorage();
    const first = new RelayList(HOME, storageRelayLists(storage));
    first.accept(['wss://b.example/ws']);
    expect(new RelayList(HOME, storageRelayLists(storage)).urls).toEqual([HOME, 'wss://b.example/ws']);
    expect(new RelayList('wss://other.example/ws', storageRelayLists(storage)).urls).toEqual(['wss://other.example/ws']);
    fc.assert(
      fc.property(fc.string(), (junk) => {
        const s = mapStorage();
        s.setItem('parley.relayLists', junk);
        const list = new RelayList(HOME, storageRelayLists(s));
        expect(list.urls[0]).toBe(HOME);
      }),
    );
    const mem = memoryRelayLists();
    new RelayList(HOME, mem).accept(['ws://x.example/ws']);
    expect(mem.load(HOME)).toEqual(['ws://x.example/ws']);
  });
});
