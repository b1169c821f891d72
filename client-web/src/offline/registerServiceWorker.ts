// Installing the service worker (`/sw.js`, built by the plugin in
// `build/serviceWorker.ts`) and noticing when a new deployment is ready.
//
// A new version never replaces a running page by itself: a delegate in the
// middle of a meeting must not see the app reload. It waits until every
// tab of the app is closed, or until the user taps "Cập nhật ngay".

export interface ServiceWorkerHooks {
  /** A new version is installed and waiting; `apply` switches to it and
   * reloads the page. */
  onUpdateReady(apply: () => void): void;
}

export function registerServiceWorker(hooks: ServiceWorkerHooks): void {
  if (!('serviceWorker' in navigator)) return;
  const base = import.meta.env.BASE_URL;
  const offerUpdate = (registration: ServiceWorkerRegistration) => {
    const waiting = registration.waiting;
    // Only an update: the very first installation has no page to replace.
    if (!waiting || !navigator.serviceWorker.controller) return;
    hooks.onUpdateReady(() => {
      navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
      waiting.postMessage({ type: 'skip-waiting' });
    });
  };
  navigator.serviceWorker
    .register(`${base}sw.js`, { scope: base, updateViaCache: 'none' })
    .then((registration) => {
      offerUpdate(registration);
      registration.addEventListener('updatefound', () => {
        const installing = registration.installing;
        installing?.addEventListener('statechange', () => {
          if (installing.state === 'installed') offerUpdate(registration);
        });
      });
    })
    .catch((error: unknown) => {
      // Without it the app still works online; it only loses offline use.
      console.warn('phonghop: the offline service worker could not be installed', error);
    });
}
