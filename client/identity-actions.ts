/**
 * The identity operations the UI offers (backup, import, reset), over the
 * keys/ module and this page. After an import or a reset the page reloads:
 * the session was built around the old key, and a fresh start is the one
 * way to be sure nothing still holds it.
 */
import { forgetIdentity, importIdentity } from '../keys/index.ts';
import type { BackupStatus, Identity, IdentityStoreOptions } from '../keys/index.ts';

/** What the identity panel can do. Errors are `BackupError`s with a code. */
export interface IdentityActions {
  readonly backupStatus: BackupStatus;
  /** The backup file's text (see Identity.exportBackup). */
  exportBackup(passphrase: string): Promise<string>;
  /** Replaces this browser's identity; on any error nothing changes. */
  importBackup(fileText: string, passphrase: string): Promise<void>;
  /** Forgets this browser's identity. */
  reset(): Promise<void>;
}

/** Identity actions for `identity`, reloading through `reload` after an import or reset. */
export function createIdentityActions(identity: Identity, options: IdentityStoreOptions & { readonly reload: () => void }): IdentityActions {
  return {
    get backupStatus() {
      return identity.backupStatus;
    },
    exportBackup: (passphrase) => identity.exportBackup(passphrase),
    async importBackup(fileText, passphrase) {
      await importIdentity(fileText, passphrase, options);
      options.reload();
    },
    async reset() {
      await forgetIdentity(options.dbName);
      options.reload();
    },
  };
}
