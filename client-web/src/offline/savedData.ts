// The last good answer of each screen, kept on the device so that the
// meetings list and a meeting still show when the network is gone.
//
// Entries are per user (a shared tablet must not show one person's
// meetings to the next) and everything is forgotten at logout or when
// another user logs in. Logging in itself always needs the server.

import { ApiError } from '../api/client';
import type { User } from '../api/types';

/** Somewhere to keep JSON values by key. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  clear(): Promise<void>;
}

/** A store that forgets everything with the page: for tests, and for
 * browsers without Cache Storage (plain HTTP on a LAN address is not a
 * secure context, so `caches` does not exist there). */
export function memoryKeyValueStore(): KeyValueStore {
  const values = new Map<string, string>();
  return {
    async get(key) {
      const text = values.get(key);
      return text === undefined ? undefined : JSON.parse(text);
    },
    async set(key, value) {
      values.set(key, JSON.stringify(value));
    },
    async clear() {
      values.clear();
    },
  };
}

/** A store in Cache Storage under `cacheName`. Keys become URLs under
 * `/phonghop-saved/`, a path the server never serves: they exist only in
 * this cache. */
export function cacheKeyValueStore(cacheName: string, storage: CacheStorage, origin: string): KeyValueStore {
  const keyUrl = (key: string) => `${origin}/phonghop-saved/${encodeURIComponent(key)}`;
  return {
    async get(key) {
      // Reading must not create the cache (`open` would): after a wipe, an
      // empty app asks who was last here.
      if (!(await storage.has(cacheName))) return undefined;
      const cache = await storage.open(cacheName);
      const response = await cache.match(keyUrl(key));
      return response ? response.json() : undefined;
    },
    async set(key, value) {
      const cache = await storage.open(cacheName);
      await cache.put(
        keyUrl(key),
        new Response(JSON.stringify(value), { headers: { 'Content-Type': 'application/json' } }),
      );
    },
    async clear() {
      await storage.delete(cacheName);
    },
  };
}

/** A value and when it was saved (milliseconds since the epoch). */
export interface Saved<T> {
  value: T;
  savedAt: number;
}

function isSaved(value: unknown): value is Saved<unknown> {
  return typeof value === 'object' && value !== null && 'value' in value && 'savedAt' in value;
}

/** The saved answers of one device. */
export class SavedData {
  constructor(
    private readonly store: KeyValueStore,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Remembers who is logged in, for opening the app offline. Forgets
   * everything first when it is someone else than last time, and says so
   * (the caller then empties the documents cache too). */
  async rememberUser(user: User): Promise<{ switchedUser: boolean }> {
    const previous = await this.lastUser();
    const switchedUser = previous !== null && previous.id !== user.id;
    if (switchedUser) await this.store.clear();
    await this.store.set('session', { value: user, savedAt: this.now() });
    return { switchedUser };
  }

  /** The user of the last session that reached the server, if any. */
  async lastUser(): Promise<User | null> {
    const saved = await this.store.get('session');
    return isSaved(saved) ? (saved.value as User) : null;
  }

  async save<T>(userId: string, key: string, value: T): Promise<void> {
    await this.store.set(`user/${userId}/${key}`, { value, savedAt: this.now() });
  }

  async load<T>(userId: string, key: string): Promise<Saved<T> | null> {
    const saved = await this.store.get(`user/${userId}/${key}`);
    return isSaved(saved) ? (saved as Saved<T>) : null;
  }

  /** Device-wide values that belong to no user (the documents index). */
  async saveShared<T>(key: string, value: T): Promise<void> {
    await this.store.set(`shared/${key}`, { value, savedAt: this.now() });
  }

  async loadShared<T>(key: string): Promise<T | null> {
    const saved = await this.store.get(`shared/${key}`);
    return isSaved(saved) ? (saved.value as T) : null;
  }

  async forgetEverything(): Promise<void> {
    await this.store.clear();
  }
}

/** Whether a failure means "the server could not be reached" (offline, a
 * dead WiFi, a proxy saying the server is down), as opposed to an answer
 * from the server that the user must see. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'network_error') return true;
  return error.code === 'unexpected_response' && [502, 503, 504].includes(error.status);
}

/** A screen's data: `savedAt` is `null` when it came from the server just
 * now, or the time it was saved when the server could not be reached. */
export interface FreshOrSaved<T> {
  value: T;
  savedAt: number | null;
}

/**
 * Asks the server; on success keeps the answer, on "unreachable" falls
 * back to the last kept answer. Any other failure (an expired session, a
 * meeting the user was removed from) is thrown as it is: saved data never
 * overrides what the server said.
 */
export async function freshOrSaved<T>(
  fetchFresh: () => Promise<T>,
  saved: { load(): Promise<Saved<T> | null>; save(value: T): Promise<void> },
): Promise<FreshOrSaved<T>> {
  try {
    const value = await fetchFresh();
    saved
      .save(value)
      .catch((error: unknown) => console.warn('phonghop: could not save for offline use', error));
    return { value, savedAt: null };
  } catch (error) {
    if (!isUnreachable(error)) throw error;
    const kept = await saved.load().catch(() => null);
    if (!kept) throw error;
    return { value: kept.value, savedAt: kept.savedAt };
  }
}
