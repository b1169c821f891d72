// The service worker: opens the app with no network and serves the agenda
// PDFs the app kept for offline reading.
//
// Built into `dist/sw.js` by `build/serviceWorker.ts`, which fills in the
// list of files to precache and a build id that changes with any of them.
// What it does with each request is decided by `routeRequest` (pure,
// tested in `offline/requestRoutes.test.ts`).
//
// **Invariant:** it never stores an API answer or a document by itself;
// the app decides what is kept (and never keeps a confidential document).

import { documentCacheName, shellCachePrefix } from '../offline/cacheNames';
import { routeRequest } from '../offline/requestRoutes';

declare const self: ServiceWorkerGlobalScope;
declare const __PHONGHOP_PRECACHE__: readonly string[];
declare const __PHONGHOP_BUILD_ID__: string;

const shellCacheName = `${shellCachePrefix}${__PHONGHOP_BUILD_ID__}`;
const indexUrl = new URL('index.html', self.registration.scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(shellCacheName).then((cache) =>
      // `reload` skips the HTTP cache: the shell must be this build's.
      cache.addAll(__PHONGHOP_PRECACHE__.map((url) => new Request(url, { cache: 'reload' }))),
    ),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(shellCachePrefix) && name !== shellCacheName) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'skip-waiting') {
    void self.skipWaiting();
  }
});

async function appShell(request: Request): Promise<Response> {
  const cache = await caches.open(shellCacheName);
  const cached = await cache.match(indexUrl);
  return cached ?? fetch(request);
}

async function staticFile(request: Request): Promise<Response> {
  const cache = await caches.open(shellCacheName);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  // Files not precached (pdf.js CMaps, fetched only by documents that need
  // them) are kept once seen, so that document opens offline next time.
  if (response.status === 200) await cache.put(request, response.clone());
  return response;
}

async function keptDocument(request: Request): Promise<Response> {
  const cache = await caches.open(documentCacheName);
  const cached = await cache.match(request.url);
  return cached ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const route = routeRequest(
    { method: request.method, url: request.url, mode: request.mode },
    self.location.origin,
  );
  switch (route) {
    case 'app-shell':
      event.respondWith(appShell(request));
      return;
    case 'static':
      event.respondWith(staticFile(request));
      return;
    case 'document':
      event.respondWith(keptDocument(request));
      return;
    case 'network':
      return;
  }
});
