/// <reference lib="webworker" />
/**
 * Service worker: keeps the app shell (index.html, scripts, worklet, styles)
 * so Parley opens when the relay or the network is down — the cached room
 * tree, queued offline edits and unsent chat messages live in IndexedDB and
 * need only the page to come back.
 *
 * Strategy: network first for every same-origin GET (so an online user always
 * gets the relay's current build), falling back to the last good copy. Built
 * assets have hashed names, so the cache never serves a mix of two builds for
 * one page: index.html names exactly the files it needs, and old ones are
 * pruned when a new index.html is fetched. The control socket (/ws) and
 * anything not GET are never touched.
 */
// The project compiles with the DOM lib, where `self` is a Window; name the
// worker scope explicitly instead of redeclaring it.
const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE = 'parley-shell-v1';

/**
 * Fetches index.html and every asset it names, so the first visit (whose own
 * requests happened before this worker existed) is enough to open offline.
 * Assets loaded later (the audio worklet) are cached as they go by.
 */
async function precacheShell(): Promise<void> {
  const cache = await caches.open(CACHE);
  const index = new URL('./', sw.location.href).href;
  const response = await fetch(index, { cache: 'no-cache' });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put(index, response);
  const assets = [...html.matchAll(/(?:src|href)="(\.\/assets\/[^"]+)"/g)].map((m) => new URL(m[1]!, index).href);
  await Promise.all(assets.map((url) => cache.add(url).catch(() => undefined)));
}

sw.addEventListener('install', (event: ExtendableEvent) => {
  // Take over at once: the shell has no state of its own to migrate.
  event.waitUntil(precacheShell().catch(() => undefined).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event: ExtendableEvent) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

function cacheable(request: Request): boolean {
  if (request.method !== 'GET') return false;
  const url = new URL(request.url);
  return url.origin === sw.location.origin && !url.pathname.endsWith('/ws');
}

async function networkFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = (await cache.match(request)) ?? (request.mode === 'navigate' ? await cache.match(new URL('./', sw.location.href).href) : undefined);
    if (cached) return cached;
    throw error;
  }
}

sw.addEventListener('fetch', (event: FetchEvent) => {
  if (!cacheable(event.request)) return;
  event.respondWith(networkFirst(event.request));
});
