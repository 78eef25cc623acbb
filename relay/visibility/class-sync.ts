/**
 * Sends what a reprojection decided (visibility.ts) to the sessions that
 * subscribed to each document: class updates, and the whole documents of a
 * class a session just moved into (a new epoch, so its replica starts over).
 */
import { crdtSyncFrames } from '../connection/paged-frames.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Delivery } from './visibility.ts';

/** What the sender needs from the tree service. */
export interface SyncSink {
  /** Whether `session` subscribed to `doc` (sent a SyncStep1 for it). */
  readonly subscribed: (session: Session, doc: string) => boolean;
  /** The full document's whole state and epoch (for a session moving to the class "everything"). */
  readonly full: (doc: string) => { readonly data: Uint8Array; readonly epoch: number };
  readonly pageBytes: number;
}

/** Sends each delivery to its subscribed sessions, encoding each message once. */
export function deliver(deliveries: readonly Delivery[], sink: SyncSink): void {
  let full: Map<string, Uint8Array[]> | null = null;
  for (const d of deliveries) {
    let frames: Uint8Array[] | null = null;
    for (const session of d.sessions) {
      if (session.state === 'closed' || !sink.subscribed(session, d.doc)) continue;
      if (d.data.byteLength === 0) {
        full ??= new Map();
        let f = full.get(d.doc);
        if (!f) {
          const { data, epoch } = sink.full(d.doc);
          full.set(d.doc, (f = crdtSyncFrames(d.doc, data, epoch, sink.pageBytes)));
        }
        for (const frame of f) session.sendEncoded(frame);
        continue;
      }
      frames ??= crdtSyncFrames(d.doc, d.data, d.epoch, sink.pageBytes);
      for (const frame of frames) session.sendEncoded(frame);
    }
  }
}
