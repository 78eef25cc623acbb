/**
 * What the file-sharing end-to-end tests read from and do on a page: the
 * page's only file transfer, its assembled bytes' SHA-256, the Files panel,
 * and the relay's file byte counter.
 */
import type { Page } from 'playwright-core';
import type { RelayProcess } from './relay-process.ts';

/** The chat panel and its file cards. */
export const chatPanel = (p: Page) => p.locator('parley-chat-panel');
export const fileCard = (p: Page) => chatPanel(p).locator('parley-file-card');

/** The page's only file transfer (or the one named `name`) as the session sees it (undefined before its card is known). */
export const transferOf = (p: Page, name?: string) =>
  p.evaluate((name) => {
    const files = window.parley!.session.files;
    const e = [...(files.state?.files.entries() ?? [])].find(([hex]) => name === undefined || files.cardName(hex) === name)?.[1];
    return e ? { status: e.transfer?.status, availability: e.availability, error: e.transfer?.error?.code ?? null, progress: e.transfer?.progress } : undefined;
  }, name);

/** SHA-256 (hex) of the page's assembled copy of its only file (or the one named `name`), computed in the page. */
export const pageSha = (p: Page, name?: string): Promise<string> =>
  p.evaluate(async (name) => {
    const files = window.parley!.session.files;
    const id = [...files.state!.files.keys()].find((hex) => name === undefined || files.cardName(hex) === name)!;
    const blob = await files.command({ type: 'file-save', fileId: id });
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob!.arrayBuffer()));
    return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
  }, name);

/** Opens the Files panel (storage and file settings) and returns it. */
export async function openFilesPanel(p: Page) {
  const panel = p.locator('parley-file-storage');
  if (!(await panel.isVisible())) await p.locator('parley-app').getByRole('button', { name: 'Files', exact: true }).click();
  await panel.locator('#quota').waitFor();
  return panel;
}

/** Sets the storage limit through the panel's input. */
export async function setQuotaMb(p: Page, mb: number): Promise<void> {
  const input = (await openFilesPanel(p)).locator('#quota');
  await input.fill(String(mb));
  await input.dispatchEvent('change');
  // Leaving the field fires the browser's own change (and a re-render) now, not under the test's next click.
  await input.blur();
}

/** Chunk bytes the relay carried (fallback), in and out, from /metrics. */
export async function relayFileBytes(relay: RelayProcess): Promise<number> {
  const text = await (await fetch(new URL('/metrics', relay.url))).text();
  let total = 0;
  for (const m of text.matchAll(/^parley_file_relay_bytes_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) total += Number(m[1]);
  return total;
}
