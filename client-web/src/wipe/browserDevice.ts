// The browser's side of a wipe (`wipe/wipe.ts`): IndexedDB, Cache Storage,
// localStorage and sessionStorage of the page's origin, and the reload.

import type { DeviceStorage } from './wipe';

/** How long a database deletion may wait for another tab of the app that
 * still holds it open; the deletion itself goes on and completes when
 * that tab closes. */
const blockedDeletionWaitMilliseconds = 3_000;

function local(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function browserDeviceStorage(): DeviceStorage {
  return {
    async databaseNames() {
      if (typeof indexedDB === 'undefined') return [];
      const databases = await indexedDB.databases();
      return databases.map((database) => database.name).filter((name): name is string => !!name);
    },
    deleteDatabase(name) {
      return new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name);
        let blockedTimer: ReturnType<typeof setTimeout> | undefined;
        request.onsuccess = () => {
          clearTimeout(blockedTimer);
          resolve();
        };
        request.onerror = () => {
          clearTimeout(blockedTimer);
          reject(request.error ?? new Error(`could not delete ${name}`));
        };
        request.onblocked = () => {
          blockedTimer = setTimeout(
            () => reject(new Error(`${name} is still open in another tab`)),
            blockedDeletionWaitMilliseconds,
          );
        };
      });
    },
    async cacheNames() {
      return typeof caches === 'undefined' ? [] : caches.keys();
    },
    async deleteCache(name) {
      await caches.delete(name);
    },
    localKeys() {
      const storage = local();
      if (!storage) return [];
      const keys: string[] = [];
      for (let index = 0; index < storage.length; index += 1) {
        const key = storage.key(index);
        if (key !== null) keys.push(key);
      }
      return keys;
    },
    getLocal: (key) => local()?.getItem(key) ?? null,
    setLocal: (key, value) => local()?.setItem(key, value),
    removeLocal: (key) => local()?.removeItem(key),
    clearSession: () => session()?.clear(),
  };
}

/** Reloads the app at its login address: a fresh page, with nothing of
 * the last one in memory, finishes the wipe before anything else. */
export function reloadAtLogin(): void {
  history.replaceState(null, '', '#/login');
  location.reload();
}
