/// <reference types="mocha" />
import { assert } from 'chai';
import { fingerprint, forgetIdentity, loadOrCreateIdentity, openIdentityDb, toHex, verifyEd25519 } from '../../keys/index.ts';

suite('identity key in IndexedDB', () => {
  const dbName = `parley-identity-test-${Math.random().toString(36).slice(2)}`;
  teardown(() => forgetIdentity(dbName));

  test('the same key comes back on the next load', async () => {
    const a = await loadOrCreateIdentity({ dbName });
    const b = await loadOrCreateIdentity({ dbName });
    assert.equal(toHex(a.publicKey), toHex(b.publicKey));
    assert.equal(a.publicKey.length, 32);
  });

  test('uses a non-extractable WebCrypto key: page script cannot read the private key', async () => {
    const signer = await loadOrCreateIdentity({ dbName });
    assert.equal(signer.kind, 'webcrypto');
    const db = await openIdentityDb(dbName);
    const record = await db.get('identity', 'self');
    db.close();
    const priv = record.keyPair.privateKey as CryptoKey;
    assert.isFalse(priv.extractable);
    let refused = false;
    try {
      await crypto.subtle.exportKey('pkcs8', priv);
    } catch {
      refused = true;
    }
    assert.isTrue(refused, 'exportKey on the private key must throw');
  });

  test('signatures verify with the public key, and a tampered message does not', async () => {
    const signer = await loadOrCreateIdentity({ dbName });
    const msg = new TextEncoder().encode('hello relay');
    const sig = await signer.sign(msg);
    assert.isTrue(await verifyEd25519(signer.publicKey, msg, sig));
    msg[0] ^= 1;
    assert.isFalse(await verifyEd25519(signer.publicKey, msg, sig));
  });

  test('the noble fallback also persists and signs', async () => {
    const fallbackDb = `${dbName}-noble`;
    const a = await loadOrCreateIdentity({ dbName: fallbackDb, forceNoble: true });
    const b = await loadOrCreateIdentity({ dbName: fallbackDb, forceNoble: true });
    assert.equal(a.kind, 'noble');
    assert.equal(toHex(a.publicKey), toHex(b.publicKey));
    const msg = Uint8Array.of(1, 2, 3);
    assert.isTrue(await verifyEd25519(a.publicKey, msg, await a.sign(msg)));
    await forgetIdentity(fallbackDb);
  });

  test('fingerprint is short, grouped and stable', async () => {
    const fp = await fingerprint(new Uint8Array(32));
    assert.match(fp, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    assert.equal(fp, await fingerprint(new Uint8Array(32)));
  });
});
