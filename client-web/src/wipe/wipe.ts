// A shared tablet forgets its user (issue 21).
//
// Three events end a user's time on a device, and all three take this one
// path: logging out, the server saying the session is over
// (`unauthenticated`: expired, revoked, account disabled) and an
// administrator's remote wipe (`device_wipe_requested`). The path has two
// halves around a page reload:
//
// 1. `beginWipe`, on the page that knew the user: send the server what the
//    notes and ink hold that it lacks, within a deadline (never forever);
//    for a logout, end the session on the server; write the pending wipe
//    to localStorage; reload.
// 2. `finishWipe`, at the next start, before anything opens a database or
//    a cache: delete the app's IndexedDB databases, every cache but the
//    app shell's, every localStorage key but the device's own (its id, its
//    language) and all of sessionStorage; for a remote wipe, confirm it to
//    the server; forget the pending wipe.
//
// The reload is deliberate: it drops every in-memory state at once (the
// Automerge repository, pdf.js, the screens' caches), and no database is
// open when it is deleted (`deleteDatabase` waits for open connections).
// A pending wipe survives the tablet being switched off half-way: the next
// start finishes it before showing anything.
//
// The app (`App.endSession` in `app.ts`) starts it: on "Đăng xuất" (asking
// first when notes would be lost), when the API client reports a lost
// session (`onSessionLost`; a live socket the server ended is checked with
// `/auth/me`, which reports it the same way), and at start when the
// session ended while the app was closed. Each reason waits a bounded
// time for unsent notes (`sendDeadlineMilliseconds`: 5 s, 10 s for a
// remote wipe); an ended session's unsent notebook is kept, with a notice
// at the next start (`wipe.notesKept`), until its owner logs in again (it
// is sent) or someone else does (it is deleted) (`PendingWipe.keepNotesOf`);
// a remote wipe keeps nothing.
//
// Everything here is pure or takes its I/O as arguments; the browser's
// side is `wipe/browserDevice.ts`.

import { languageStorageKey, type MessageKey } from '../i18n/i18n';
import { deviceIdStorageKey } from '../live/deviceId';
import { shellCachePrefix } from '../offline/cacheNames';
import { syncDatabaseName } from '../sync/address';

/** Why the device forgets its user. */
export type WipeReason =
  /** The user pressed "Đăng xuất". */
  | 'logout'
  /** The server answered `unauthenticated` to a user the app knew:
   * expired, revoked, or the account was disabled. */
  | 'session_ended'
  /** An administrator asked for this device to be wiped. */
  | 'remote_wipe';

/** A wipe decided on one page and finished at the next start. */
export interface PendingWipe {
  reason: WipeReason;
  /** A user whose unsent notes stay on the device: their session ended
   * while the server could not take them (an expired session cannot sync).
   * Only their sync database is kept, until they log in again (the notes
   * are sent) or someone else does (it is deleted). */
  keepNotesOf: string | null;
}

/** Where the pending wipe waits for the next start. */
export const pendingWipeKey = 'phonghop.pendingWipe';
/** Whose unsent notes were kept by a wipe (see `PendingWipe.keepNotesOf`). */
export const keptNotesKey = 'phonghop.keptNotes';

/** localStorage keys that belong to the device rather than to a user: they
 * survive a wipe. The device id must, so that the administrator's device
 * list and the wipe confirmation name the same tablet. */
export const deviceStorageKeys: ReadonlySet<string> = new Set([
  deviceIdStorageKey,
  languageStorageKey,
  pendingWipeKey,
  keptNotesKey,
]);

/** How long each reason waits for the server to take unsent notes. A
 * remote wipe waits longer: its notes are lost if they do not make it. */
export const sendDeadlineMilliseconds: Record<WipeReason, number> = {
  logout: 5_000,
  session_ended: 5_000,
  remote_wipe: 10_000,
};

/** The pending wipe after the unsent notes were given their chance:
 * `unsent` documents still hold changes the server does not have. An
 * ended session keeps them (the user is not here to be asked, and the
 * server holds the notebook only once they are sent); a remote wipe does
 * not (the administrator's order wins: the tablet may be stolen). A logout
 * never gets here with unsent notes without the user's say. */
export function pendingWipeAfterSending(
  reason: WipeReason,
  userId: string | null,
  unsent: number,
): PendingWipe {
  const keepNotesOf = reason === 'session_ended' && unsent > 0 && userId !== null ? userId : null;
  return { reason, keepNotesOf };
}

export function serializePendingWipe(wipe: PendingWipe): string {
  return JSON.stringify(wipe);
}

/** The pending wipe in storage, if any. Anything unreadable under the key
 * still means "wipe": a wipe is never skipped because its note is damaged. */
export function parsePendingWipe(text: string | null): PendingWipe | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null) {
      const { reason, keepNotesOf } = value as { reason?: unknown; keepNotesOf?: unknown };
      if (reason === 'logout' || reason === 'session_ended' || reason === 'remote_wipe') {
        return { reason, keepNotesOf: typeof keepNotesOf === 'string' ? keepNotesOf : null };
      }
    }
  } catch {
    // Falls through.
  }
  return { reason: 'session_ended', keepNotesOf: null };
}

/** The localStorage keys a wipe removes: all but the device's own. */
export function localKeysToRemove(keys: readonly string[]): string[] {
  return keys.filter((key) => !deviceStorageKeys.has(key));
}

/** The caches a wipe deletes: all but the app shell (this build's code,
 * which lets the login screen open offline and holds nothing of a user). */
export function cachesToDelete(names: readonly string[]): string[] {
  return names.filter((name) => !name.startsWith(shellCachePrefix));
}

/** The IndexedDB databases a wipe deletes: every one of the origin, but
 * the sync database of a user whose unsent notes are kept. */
export function databasesToDelete(names: readonly string[], keepNotesOf: string | null): string[] {
  const kept = keepNotesOf === null ? null : syncDatabaseName(keepNotesOf);
  return names.filter((name) => name !== kept);
}

/** The sync databases of users other than `userId`: deleted when `userId`
 * logs in, so that notes kept for someone else never meet the next user. */
export function otherUsersSyncDatabases(names: readonly string[], userId: string): string[] {
  const prefix = syncDatabaseName('');
  return names.filter((name) => name.startsWith(prefix) && name !== syncDatabaseName(userId));
}

/** What the login screen says after the wipe. */
export function loginNoticeAfter(wipe: PendingWipe): MessageKey {
  if (wipe.keepNotesOf !== null) return 'wipe.notesKept';
  switch (wipe.reason) {
    case 'logout':
      return 'wipe.loggedOut';
    case 'session_ended':
      return 'login.sessionExpired';
    case 'remote_wipe':
      return 'wipe.remoteWiped';
  }
}

/** The device's storage, as a wipe needs it. */
export interface DeviceStorage {
  databaseNames(): Promise<string[]>;
  /** Resolves once deleted, or after a bounded wait when another tab
   * still holds it open (the deletion then completes when it closes). */
  deleteDatabase(name: string): Promise<void>;
  cacheNames(): Promise<string[]>;
  deleteCache(name: string): Promise<void>;
  localKeys(): string[];
  getLocal(key: string): string | null;
  setLocal(key: string, value: string): void;
  removeLocal(key: string): void;
  clearSession(): void;
}

/** How the confirmation of a remote wipe went. */
export type WipeConfirmation =
  /** The server marked the wipe done (or had none pending any more). */
  | 'done'
  /** The server could not be reached: try again at the next start. */
  | 'retry_later';

export interface FinishWipeIo {
  storage: DeviceStorage;
  /** `POST /api/v1/auth/device-wiped`. */
  confirmRemoteWipe(): Promise<WipeConfirmation>;
}

/** What `finishWipe` did. */
export interface FinishedWipe {
  notice: MessageKey;
  deletedDatabases: string[];
  deletedCaches: string[];
  removedKeys: string[];
  /** A remote wipe whose confirmation waits for the network. */
  confirmationPending: boolean;
}

/**
 * Removes everything of the user from the device (step 2 above). Each
 * part is attempted even when another fails; the pending wipe is forgotten
 * only once all of them and the confirmation succeeded, so a failure is
 * retried at the next start.
 */
export async function finishWipe(wipe: PendingWipe, io: FinishWipeIo): Promise<FinishedWipe> {
  const { storage } = io;
  let complete = true;
  const attempt = async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      complete = false;
      console.warn('phonghop: part of the wipe failed', error);
      return fallback;
    }
  };

  const deletedDatabases = databasesToDelete(
    await attempt(() => storage.databaseNames(), []),
    wipe.keepNotesOf,
  );
  for (const name of deletedDatabases) await attempt(() => storage.deleteDatabase(name), undefined);
  const deletedCaches = cachesToDelete(await attempt(() => storage.cacheNames(), []));
  for (const name of deletedCaches) await attempt(() => storage.deleteCache(name), undefined);
  const removedKeys = localKeysToRemove(storage.localKeys());
  await attempt(async () => {
    for (const key of removedKeys) storage.removeLocal(key);
    storage.clearSession();
  }, undefined);
  if (wipe.keepNotesOf === null) storage.removeLocal(keptNotesKey);
  else storage.setLocal(keptNotesKey, wipe.keepNotesOf);

  let confirmationPending = false;
  if (wipe.reason === 'remote_wipe' && complete) {
    confirmationPending =
      (await io.confirmRemoteWipe().catch(() => 'retry_later' as const)) === 'retry_later';
  }
  if (complete && !confirmationPending) storage.removeLocal(pendingWipeKey);
  return {
    notice: loginNoticeAfter(wipe),
    deletedDatabases,
    deletedCaches,
    removedKeys,
    confirmationPending,
  };
}

/** What the user chose about notes the server has not taken yet: stay
 * logged in (pressing "Đăng xuất" again tries again), or log out and lose
 * them. */
export type UnsentChoice = 'discard' | 'cancel';

export interface BeginWipeIo {
  /** Sends `userId`'s unsent notes and ink within `deadlineMilliseconds`;
   * resolves with how many documents still hold unsent changes. */
  sendUnsent(userId: string, deadlineMilliseconds: number): Promise<number>;
  /** Asks the user at a logout whose notes could not all be sent. */
  askAboutUnsent(unsent: number): Promise<UnsentChoice>;
  /** `POST /api/v1/auth/logout`: `false` when the session is still open
   * on the server (offline), so the logout must not go on. */
  endServerSession(): Promise<boolean>;
  storage: Pick<DeviceStorage, 'setLocal'>;
  /** Reloads the app at its login address (then `finishWipe` runs). */
  reload(): void;
}

/** How `beginWipe` ended. */
export type BeginWipeOutcome =
  /** The pending wipe is written and the page reloads. */
  | 'reloading'
  /** The user chose to stay (unsent notes), or the server could not end
   * the session: nothing was removed. */
  | 'stayed';

/** Step 1 above: send, end the session for a logout, write the pending
 * wipe, reload. */
export async function beginWipe(
  reason: WipeReason,
  userId: string | null,
  io: BeginWipeIo,
): Promise<BeginWipeOutcome> {
  const send = async (): Promise<number> =>
    userId === null ? 0 : io.sendUnsent(userId, sendDeadlineMilliseconds[reason]).catch(() => 1);
  const unsent = await send();
  if (reason === 'logout' && unsent > 0 && (await io.askAboutUnsent(unsent)) === 'cancel') return 'stayed';
  if (reason === 'logout' && !(await io.endServerSession())) return 'stayed';
  io.storage.setLocal(pendingWipeKey, serializePendingWipe(pendingWipeAfterSending(reason, userId, unsent)));
  io.reload();
  return 'reloading';
}
