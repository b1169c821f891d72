// The offline parts the app holds for its whole life: the saved screens
// and the documents packs, on Cache Storage where the browser has it
// (a secure context: HTTPS, or http://localhost) and in memory elsewhere.

import { savedDataCacheName } from './cacheNames';
import type { PackIndex } from './documentPack';
import { cacheDocumentStore, DocumentPacks, sha256Hex } from './packManager';
import { cacheKeyValueStore, memoryKeyValueStore, SavedData } from './savedData';

export interface OfflineServices {
  saved: SavedData;
  packs: DocumentPacks;
  /** Forgets everything kept on the device (logout, another user). */
  forgetEverything(): Promise<void>;
}

export function createOfflineServices(): OfflineServices {
  const storage = typeof caches === 'undefined' ? null : caches;
  const saved = new SavedData(
    storage ? cacheKeyValueStore(savedDataCacheName, storage, location.origin) : memoryKeyValueStore(),
  );
  const canHash = typeof crypto !== 'undefined' && crypto.subtle !== undefined;
  const packs = new DocumentPacks({
    store: storage ? cacheDocumentStore(storage) : null,
    fetch: (input, init) => fetch(input, init),
    ...(canHash ? { sha256: sha256Hex } : {}),
    loadIndex: () => saved.loadShared<PackIndex>('documents-index'),
    saveIndex: (index) => saved.saveShared('documents-index', index),
  });
  return {
    saved,
    packs,
    async forgetEverything() {
      await Promise.all([saved.forgetEverything(), packs.clear()]);
    },
  };
}
