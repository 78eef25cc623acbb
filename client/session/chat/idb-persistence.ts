/**
 * Chat persistence in IndexedDB (via idb): the outbox survives reloads and
 * browser restarts, so nothing typed is lost; read marks keep unread counts
 * honest across visits. One connection per call keeps the adapter stateless
 * and lets other tabs upgrade the database.
 */
import { openDB } from 'idb';
import type { IDBPDatabase } from 'idb';
import type { ChatPersistence, OutboxEntry } from './persistence.ts';

const OUTBOX = 'outbox';
const READ = 'read';

function open(dbName: string): Promise<IDBPDatabase> {
  return openDB(dbName, 1, {
    upgrade(db) {
      db.createObjectStore(OUTBOX, { keyPath: 'id' }).createIndex('order', 'order');
      db.createObjectStore(READ);
    },
  });
}

async function withDb<T>(dbName: string, use: (db: IDBPDatabase) => Promise<T>): Promise<T> {
  const db = await open(dbName);
  try {
    return await use(db);
  } finally {
    db.close();
  }
}

/** Chat persistence in the IndexedDB database `dbName` (default `parley-chat`). */
export function idbChatPersistence(dbName = 'parley-chat'): ChatPersistence {
  return {
    loadOutbox: () => withDb(dbName, async (db) => (await db.getAllFromIndex(OUTBOX, 'order')) as OutboxEntry[]),
    putOutbox: (entry) => withDb(dbName, async (db) => void (await db.put(OUTBOX, entry))),
    deleteOutbox: (id) => withDb(dbName, (db) => db.delete(OUTBOX, id)),
    loadReadMarks: () =>
      withDb(dbName, async (db) => {
        const marks = new Map<string, number>();
        let cursor = await db.transaction(READ).store.openCursor();
        while (cursor) {
          if (typeof cursor.value === 'number') marks.set(String(cursor.key), cursor.value);
          cursor = await cursor.continue();
        }
        return marks;
      }),
    putReadMark: (conversation, seq) => withDb(dbName, async (db) => void (await db.put(READ, seq, conversation))),
  };
}
