/// <reference types="mocha" />
import { assert } from 'chai';
import { BackupError, forgetIdentity, importIdentity, loadIdentity, openIdentityDb, toHex } from '../../keys/index.ts';
import type { IdentityStoreOptions } from '../../keys/index.ts';

const PASS = 'correct horse battery';
// The file format's floor; the product uses 600 000.
const backup = { iterations: 100_000 };

async function rejection(p: Promise<unknown>): Promise<BackupError> {
  try {
    await p;
  } catch (e) {
    assert.instanceOf(e, BackupError);
    return e as BackupError;
  }
  throw new Error('expected a BackupError');
}

async function storedPrivateKey(dbName: string): Promise<CryptoKey> {
  const db = await openIdentityDb(dbName);
  const record = await db.get('identity', 'self');
  db.close();
  return record.keyPair.privateKey as CryptoKey;
}

suite('identity backup (export / import)', () => {
  const id = Math.random().toString(36).slice(2);
  const a: IdentityStoreOptions = { dbName: `parley-backup-a-${id}`, backup };
  const b: IdentityStoreOptions = { dbName: `parley-backup-b-${id}`, backup };
  teardown(async () => {
    await forgetIdentity(a.dbName);
    await forgetIdentity(b.dbName);
  });

  test('a new key can be backed up once from memory; the import elsewhere is the same key, still non-extractable', async () => {
    const original = await loadIdentity(a);
    assert.isTrue(original.createdNow);
    assert.equal(original.backupStatus, 'needed');
    const text = await original.exportBackup(PASS);
    assert.equal(original.backupStatus, 'saved');
    assert.notInclude(text, PASS);
    const file = JSON.parse(text);
    assert.equal(file.format, 'parley-identity-backup');
    assert.equal(file.kdf.name, 'PBKDF2');
    assert.equal(file.cipher.name, 'AES-GCM');

    const imported = await importIdentity(text, PASS, b);
    assert.equal(toHex(imported.signer.publicKey), toHex(original.signer.publicKey));
    assert.equal(imported.signer.kind, 'webcrypto');
    const priv = await storedPrivateKey(b.dbName!);
    assert.isFalse(priv.extractable);
    let refused = false;
    await crypto.subtle.exportKey('pkcs8', priv).catch(() => (refused = true));
    assert.isTrue(refused, 'the imported private key must not be exportable by page script');
    // The imported key loads again after a "reload" and can re-offer its backup with the passphrase.
    const again = await loadIdentity(b);
    assert.equal(toHex(again.signer.publicKey), toHex(original.signer.publicKey));
    assert.equal(again.backupStatus, 'saved');
    assert.equal(await again.exportBackup(PASS), text);
  });

  test('the creating page keeps the seed only in memory: after a reload without a backup it is lost', async () => {
    const fresh = await loadIdentity(a);
    assert.equal(fresh.backupStatus, 'needed');
    const reloaded = await loadIdentity(a);
    assert.equal(reloaded.backupStatus, 'lost');
    assert.equal((await rejection(reloaded.exportBackup(PASS))).code, 'unavailable');
  });

  test('a wrong passphrase is refused and changes nothing', async () => {
    const original = await loadIdentity(a);
    const text = await original.exportBackup(PASS);
    const existing = await loadIdentity(b);
    assert.equal((await rejection(importIdentity(text, 'not the passphrase', b))).code, 'wrong-passphrase');
    assert.equal(toHex((await loadIdentity(b)).signer.publicKey), toHex(existing.signer.publicKey));
    // Re-downloading a saved backup also checks the passphrase.
    assert.equal((await rejection(original.exportBackup('not the passphrase'))).code, 'wrong-passphrase');
  });

  test('a damaged file is refused as damaged and changes nothing', async () => {
    const original = await loadIdentity(a);
    const text = await original.exportBackup(PASS);
    const existing = await loadIdentity(b);
    const file = JSON.parse(text);
    const flipped = { ...file, ciphertext: (file.ciphertext[0] === 'A' ? 'B' : 'A') + file.ciphertext.slice(1) };
    assert.equal((await rejection(importIdentity(JSON.stringify(flipped), PASS, b))).code, 'damaged');
    assert.equal((await rejection(importIdentity(text.slice(0, text.length / 2), PASS, b))).code, 'damaged');
    assert.equal((await rejection(importIdentity('{"format":"something else"}', PASS, b))).code, 'damaged');
    assert.equal((await rejection(importIdentity(JSON.stringify({ ...file, version: 9 }), PASS, b))).code, 'unsupported');
    // A swapped public key is caught by the checksum before any decryption.
    const other = JSON.parse(await (await loadIdentity({ dbName: `${b.dbName}-x`, backup })).exportBackup(PASS));
    assert.equal((await rejection(importIdentity(JSON.stringify({ ...file, publicKey: other.publicKey }), PASS, b))).code, 'damaged');
    await forgetIdentity(`${b.dbName}-x`);
    assert.equal(toHex((await loadIdentity(b)).signer.publicKey), toHex(existing.signer.publicKey));
  });

  test('refuses a passphrase shorter than 8 characters and keeps the seed for another try', async () => {
    const original = await loadIdentity(a);
    assert.equal((await rejection(original.exportBackup('short'))).code, 'weak-passphrase');
    assert.equal(original.backupStatus, 'needed');
  });

  test('the noble fallback can be backed up at any time and imports as the same key', async () => {
    const noble = await loadIdentity({ ...a, forceNoble: true });
    assert.equal(noble.backupStatus, 'available');
    const text = await (await loadIdentity({ ...a, forceNoble: true })).exportBackup(PASS);
    const imported = await importIdentity(text, PASS, b);
    assert.equal(toHex(imported.signer.publicKey), toHex(noble.signer.publicKey));
  });
});
