// The page's one Automerge repository: documents kept in IndexedDB (so
// notes and ink survive a reload with no network) and synced over `/sync`
// on the page's own origin whenever the server is reachable.
//
// Loaded on demand (the reader imports it when it opens a document), so
// the login and agenda screens do not download Automerge. Automerge's
// WebAssembly is a hashed file under `/assets/` (precached by the service
// worker like the rest of the shell) compiled under the server's CSP with
// `'wasm-unsafe-eval'`; nothing is evaluated from strings.
//
// Each user has their own IndexedDB database (`syncDatabaseName`), and the
// socket announces the peer id the server binds, `u/{user}/d/{device}`.
// The websocket adapter reconnects by itself, forever, at an interval
// chosen once per page between 3 and 7 s (`reconnectIntervalMilliseconds`);
// the page is never reloaded. Changes made meanwhile are stored locally and sent on
// reconnection; the server merges them (Automerge).
//
// Ephemeral messages others send (ink in progress) are not passed back to
// the server, as the stock client would (`ServerOnlyWebSocketAdapter`).

import {
  Automerge,
  encodeHeads,
  initializeWasm,
  Repo,
  type AnyDocumentId,
  type DocHandle,
  type DocumentId,
  type PeerId,
  type StorageId,
} from '@automerge/automerge-repo/slim';
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb';
import { BrowserWebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';
import automergeWasmUrl from '@automerge/automerge/automerge.wasm?url';
import { loadDeviceId } from '../live/deviceId';
import {
  isRelayedEphemeral,
  reconnectIntervalMilliseconds,
  syncDatabaseName,
  syncPeerId,
  syncSocketUrl,
} from './address';
import { isOnServer, storedDocumentIds, syncStateKeys } from './unsent';

/** The stock websocket adapter, except that it does not gossip others'
 * ephemeral messages back to the server (`isRelayedEphemeral`): the
 * server, our only peer, relays them already, and it closes a socket
 * that sends a message under another peer's id, which would drop every
 * receiver's connection on the first message of each stroke. */
class ServerOnlyWebSocketAdapter extends BrowserWebSocketClientAdapter {
  override send(message: Parameters<BrowserWebSocketClientAdapter['send']>[0]): void {
    if (isRelayedEphemeral(message, this.peerId)) return;
    super.send(message);
  }
}

let wasmReady: Promise<void> | null = null;
let current: { userId: string; repo: Repo; storage: IndexedDBStorageAdapter } | null = null;

function safeLocalStorage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

/** The repository of `userId` on this page, created on first use. A
 * different user (after logging out and in) gets a fresh one over their
 * own IndexedDB database. */
export async function syncRepo(userId: string): Promise<Repo> {
  wasmReady ??= initializeWasm(automergeWasmUrl);
  await wasmReady;
  if (current?.userId === userId) return current.repo;
  if (current) void current.repo.shutdown();
  const deviceId = loadDeviceId(safeLocalStorage());
  const storage = new IndexedDBStorageAdapter(syncDatabaseName(userId));
  const repo = new Repo({
    peerId: syncPeerId(userId, deviceId) as PeerId,
    storage,
    network: [
      new ServerOnlyWebSocketAdapter(
        syncSocketUrl(window.location.href, deviceId),
        reconnectIntervalMilliseconds(),
      ),
    ],
  });
  // What changed in the last 100 ms is written before the page goes away.
  window.addEventListener('pagehide', () => void repo.flush());
  current = { userId, repo, storage };
  return repo;
}

const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/**
 * Sends the server what `userId`'s documents on this device hold that it
 * lacks (notes and ink written offline, the last strokes before a logout),
 * waiting at most `deadlineMilliseconds`. Every document in the user's
 * database is loaded, not only those opened on this page: a note written
 * offline before a reload counts too. Resolves with the number of
 * documents still holding unsent changes (0: all on the server).
 */
export async function sendUnsentChanges(userId: string, deadlineMilliseconds: number): Promise<number> {
  const deadline = Date.now() + deadlineMilliseconds;
  wasmReady ??= initializeWasm(automergeWasmUrl);
  await wasmReady;
  // A repository whose socket is down waits 3-7 s to reconnect (the server
  // closes a device's sockets when its wipe is asked): a fresh one
  // connects at once.
  if (current?.userId === userId && current.repo.peers.length === 0) {
    await current.repo.shutdown().catch(() => undefined);
    current = null;
  }
  const repo = await syncRepo(userId);
  const storage = current?.storage;
  if (!storage) return 0;
  const chunks = await storage.loadRange([]);
  const keys = chunks.map((chunk) => chunk.key);
  const states = syncStateKeys(keys);
  const bytesByKey = new Map(chunks.map((chunk) => [chunk.key.join('\u0000'), chunk.data]));
  /** The heads each document last shared with the server, kept by earlier pages. */
  const sharedBefore = new Map<string, string[]>();
  for (const [documentId, stateKeys] of states) {
    for (const key of stateKeys) {
      const bytes = bytesByKey.get(key.join('\u0000'));
      if (!bytes) continue;
      try {
        sharedBefore.set(documentId, encodeHeads(Automerge.decodeSyncState(bytes).sharedHeads));
      } catch {
        // An unreadable sync state only means "not known to be sent".
      }
    }
  }
  const remaining = () => Math.max(0, deadline - Date.now());
  const handles = (
    await Promise.all(
      storedDocumentIds(keys).map((documentId) =>
        Promise.race([
          repo.find(documentId as DocumentId).catch(() => null),
          sleep(remaining()).then(() => null),
        ]),
      ),
    )
  ).filter((handle): handle is DocHandle<unknown> => handle !== null);
  const serverStorageIds = () =>
    Object.values(repo.peerMetadataByPeerId)
      .map((metadata) => metadata.storageId)
      .filter((storageId): storageId is StorageId => storageId !== undefined);
  const unsent = () =>
    handles.filter(
      (handle) =>
        !isOnServer(handle.heads(), [
          sharedBefore.get(handle.documentId),
          ...serverStorageIds().map((storageId) => handle.getSyncInfo(storageId)?.lastHeads),
        ]),
    ).length;
  let count = unsent();
  while (count > 0 && remaining() > 0) {
    await sleep(Math.min(200, remaining()));
    count = unsent();
  }
  await repo.flush().catch(() => undefined);
  return count;
}

/** A document of the meeting, from the device when it was kept, else from
 * the server; rejects when neither has it (offline and never opened). */
export async function openSyncDocument<Shape>(
  repo: Repo,
  url: string,
  signal?: AbortSignal,
): Promise<DocHandle<Shape>> {
  // The signal is not handed to `repo.find`: automerge-repo 2.5 wraps it
  // in a promise that rejects on abort with nobody listening once the
  // document has loaded, an unhandled "Operation aborted" in the page.
  const found = repo.find<Shape>(url as AnyDocumentId);
  if (!signal) return found;
  return new Promise<DocHandle<Shape>>((resolve, reject) => {
    const onAbort = () => reject(new DOMException('Operation aborted', 'AbortError'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    found.then(
      (handle) => {
        signal.removeEventListener('abort', onAbort);
        resolve(handle);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Automerge's text edits, for notes and minutes edited in a text box. */
export { splice, updateText } from '@automerge/automerge-repo/slim';
