import { describe, expect, it } from 'vitest';
import {
  beginWipe,
  cachesToDelete,
  databasesToDelete,
  finishWipe,
  keptNotesKey,
  localKeysToRemove,
  otherUsersSyncDatabases,
  parsePendingWipe,
  pendingWipeAfterSending,
  pendingWipeKey,
  sendDeadlineMilliseconds,
  serializePendingWipe,
  type BeginWipeIo,
  type DeviceStorage,
  type UnsentChoice,
  type WipeConfirmation,
} from './wipe';

/** A tablet's storage after `daibieu01` used it: their notebook database,
 * the documents pack, saved screens, the app shell, and their marks. */
function usedTablet() {
  const databases = new Set(['phonghop-sync-u_daibieu01', 'phonghop-sync-u_daibieu02']);
  const caches = new Set(['phonghop-shell-abc123', 'phonghop-documents-v1', 'phonghop-saved-v1']);
  const local = new Map([
    ['phonghop.deviceId', 'web-0011'],
    ['phonghop.language', 'vi'],
    ['phonghop.changes.m_1', '{"items":["a_1"]}'],
    ['phonghop.readerView', '{"landscape":"width"}'],
  ]);
  const session = new Map([['phonghop.ballotKey.v_1', 'ff00']]);
  const failing = new Set<string>();
  const storage: DeviceStorage = {
    async databaseNames() {
      return [...databases];
    },
    async deleteDatabase(name) {
      if (failing.has(name)) throw new Error('blocked');
      databases.delete(name);
    },
    async cacheNames() {
      return [...caches];
    },
    async deleteCache(name) {
      caches.delete(name);
    },
    localKeys: () => [...local.keys()],
    getLocal: (key) => local.get(key) ?? null,
    setLocal: (key, value) => void local.set(key, value),
    removeLocal: (key) => void local.delete(key),
    clearSession: () => session.clear(),
  };
  return { databases, caches, local, session, failing, storage };
}

const confirmed =
  (answers: WipeConfirmation[], calls: { count: number }) => async (): Promise<WipeConfirmation> => {
    calls.count += 1;
    return answers.shift() ?? 'done';
  };

describe('finishing a wipe at start', () => {
  it('leaves nothing of the user: no database, no kept document or screen, no marks', async () => {
    const tablet = usedTablet();
    tablet.local.set(pendingWipeKey, serializePendingWipe({ reason: 'logout', keepNotesOf: null }));
    const calls = { count: 0 };
    const done = await finishWipe(parsePendingWipe(tablet.local.get(pendingWipeKey) ?? null)!, {
      storage: tablet.storage,
      confirmRemoteWipe: confirmed([], calls),
    });
    expect([...tablet.databases]).toEqual([]);
    expect([...tablet.caches]).toEqual(['phonghop-shell-abc123']);
    expect([...tablet.local.keys()].sort()).toEqual(['phonghop.deviceId', 'phonghop.language']);
    expect(tablet.session.size).toBe(0);
    expect(done.notice).toBe('wipe.loggedOut');
    // Only a remote wipe is confirmed to the server.
    expect(calls.count).toBe(0);
  });

  it('confirms a remote wipe only after removing everything, and forgets it once confirmed', async () => {
    const tablet = usedTablet();
    const calls = { count: 0 };
    let databasesWhenConfirmed = -1;
    tablet.local.set(pendingWipeKey, serializePendingWipe({ reason: 'remote_wipe', keepNotesOf: null }));
    const done = await finishWipe(
      { reason: 'remote_wipe', keepNotesOf: null },
      {
        storage: tablet.storage,
        async confirmRemoteWipe() {
          calls.count += 1;
          databasesWhenConfirmed = tablet.databases.size;
          return 'done';
        },
      },
    );
    expect(calls.count).toBe(1);
    expect(databasesWhenConfirmed).toBe(0);
    expect(done.notice).toBe('wipe.remoteWiped');
    expect(tablet.local.has(pendingWipeKey)).toBe(false);
  });

  it('keeps a remote wipe pending while its confirmation cannot reach the server', async () => {
    const tablet = usedTablet();
    const calls = { count: 0 };
    const wipe = { reason: 'remote_wipe', keepNotesOf: null } as const;
    tablet.local.set(pendingWipeKey, serializePendingWipe(wipe));
    const first = await finishWipe(wipe, {
      storage: tablet.storage,
      confirmRemoteWipe: confirmed(['retry_later'], calls),
    });
    expect(first.confirmationPending).toBe(true);
    expect(tablet.local.has(pendingWipeKey)).toBe(true);
    const second = await finishWipe(wipe, {
      storage: tablet.storage,
      confirmRemoteWipe: confirmed(['done'], calls),
    });
    expect(second.confirmationPending).toBe(false);
    expect(tablet.local.has(pendingWipeKey)).toBe(false);
    expect(calls.count).toBe(2);
  });

  it('does not confirm, and tries again at the next start, when a database could not be deleted', async () => {
    const tablet = usedTablet();
    tablet.failing.add('phonghop-sync-u_daibieu01');
    const calls = { count: 0 };
    const wipe = { reason: 'remote_wipe', keepNotesOf: null } as const;
    tablet.local.set(pendingWipeKey, serializePendingWipe(wipe));
    await finishWipe(wipe, { storage: tablet.storage, confirmRemoteWipe: confirmed([], calls) });
    expect(calls.count).toBe(0);
    expect(tablet.local.has(pendingWipeKey)).toBe(true);
    // The rest was still removed.
    expect([...tablet.caches]).toEqual(['phonghop-shell-abc123']);
    tablet.failing.clear();
    await finishWipe(wipe, { storage: tablet.storage, confirmRemoteWipe: confirmed([], calls) });
    expect(calls.count).toBe(1);
    expect([...tablet.databases]).toEqual([]);
  });

  it('keeps only the notebook database of a user whose unsent notes could not be sent, and says so', async () => {
    const tablet = usedTablet();
    const wipe = pendingWipeAfterSending('session_ended', 'u_daibieu01', 2);
    const done = await finishWipe(wipe, {
      storage: tablet.storage,
      confirmRemoteWipe: confirmed([], { count: 0 }),
    });
    expect([...tablet.databases]).toEqual(['phonghop-sync-u_daibieu01']);
    expect([...tablet.caches]).toEqual(['phonghop-shell-abc123']);
    expect(tablet.local.get(keptNotesKey)).toBe('u_daibieu01');
    expect(done.notice).toBe('wipe.notesKept');
  });
});

describe('what a wipe keeps', () => {
  it('keeps the device id and language, and removes every other key', () => {
    expect(
      localKeysToRemove(['phonghop.deviceId', 'phonghop.language', 'phonghop.changes.m_1', 'other']),
    ).toEqual(['phonghop.changes.m_1', 'other']);
  });

  it('keeps the app shell cache only', () => {
    expect(
      cachesToDelete(['phonghop-shell-1', 'phonghop-documents-v1', 'phonghop-saved-v1', 'anything']),
    ).toEqual(['phonghop-documents-v1', 'phonghop-saved-v1', 'anything']);
  });

  it('deletes every database but the kept notebook', () => {
    const names = ['phonghop-sync-u_1', 'phonghop-sync-u_2', 'other'];
    expect(databasesToDelete(names, null)).toEqual(names);
    expect(databasesToDelete(names, 'u_2')).toEqual(['phonghop-sync-u_1', 'other']);
  });

  it("deletes another user's kept notebook when someone logs in", () => {
    expect(otherUsersSyncDatabases(['phonghop-sync-u_1', 'phonghop-sync-u_2', 'other'], 'u_2')).toEqual([
      'phonghop-sync-u_1',
    ]);
  });

  it('keeps unsent notes only for an ended session, never for a remote wipe', () => {
    expect(pendingWipeAfterSending('session_ended', 'u_1', 1).keepNotesOf).toBe('u_1');
    expect(pendingWipeAfterSending('session_ended', 'u_1', 0).keepNotesOf).toBeNull();
    expect(pendingWipeAfterSending('remote_wipe', 'u_1', 3).keepNotesOf).toBeNull();
    expect(pendingWipeAfterSending('logout', 'u_1', 3).keepNotesOf).toBeNull();
  });

  it('reads a damaged pending wipe as a wipe', () => {
    expect(parsePendingWipe(null)).toBeNull();
    expect(parsePendingWipe('{')).toEqual({ reason: 'session_ended', keepNotesOf: null });
    expect(parsePendingWipe('{"reason":"remote_wipe","keepNotesOf":null}')).toEqual({
      reason: 'remote_wipe',
      keepNotesOf: null,
    });
  });
});

function beginIo(unsentAnswers: number[], choices: UnsentChoice[], serverEnds = true) {
  const log: string[] = [];
  const local = new Map<string, string>();
  const io: BeginWipeIo = {
    async sendUnsent(userId, deadline) {
      log.push(`send ${userId} ${deadline}`);
      return unsentAnswers.shift() ?? 0;
    },
    async askAboutUnsent(unsent) {
      log.push(`ask ${unsent}`);
      return choices.shift() ?? 'cancel';
    },
    async endServerSession() {
      log.push('logout');
      return serverEnds;
    },
    storage: { setLocal: (key, value) => void local.set(key, value) },
    reload: () => void log.push('reload'),
  };
  return { io, log, local };
}

describe('beginning a wipe', () => {
  it('sends the notes before ending the session, then reloads', async () => {
    const { io, log, local } = beginIo([0], []);
    expect(await beginWipe('logout', 'u_1', io)).toBe('reloading');
    expect(log).toEqual([`send u_1 ${sendDeadlineMilliseconds.logout}`, 'logout', 'reload']);
    expect(parsePendingWipe(local.get(pendingWipeKey) ?? null)).toEqual({
      reason: 'logout',
      keepNotesOf: null,
    });
  });

  it('stays logged in, removing nothing, when the user cancels or the server cannot end the session', async () => {
    const cancelled = beginIo([1], ['cancel']);
    expect(await beginWipe('logout', 'u_1', cancelled.io)).toBe('stayed');
    expect(cancelled.log).toEqual(['send u_1 5000', 'ask 1']);
    expect(cancelled.local.size).toBe(0);

    const offline = beginIo([0], [], false);
    expect(await beginWipe('logout', 'u_1', offline.io)).toBe('stayed');
    expect(offline.local.size).toBe(0);
  });

  it('goes on when the user chooses to discard unsent notes', async () => {
    const { io, log } = beginIo([1], ['discard']);
    expect(await beginWipe('logout', 'u_1', io)).toBe('reloading');
    expect(log).toEqual(['send u_1 5000', 'ask 1', 'logout', 'reload']);
  });

  it('never asks on a remote wipe, and waits longer for the notes', async () => {
    const { io, log, local } = beginIo([4], []);
    expect(await beginWipe('remote_wipe', 'u_1', io)).toBe('reloading');
    expect(log).toEqual(['send u_1 10000', 'reload']);
    expect(parsePendingWipe(local.get(pendingWipeKey) ?? null)).toEqual({
      reason: 'remote_wipe',
      keepNotesOf: null,
    });
  });

  it('keeps the unsent notes of an ended session, whose user is not there to be asked', async () => {
    const { io, local } = beginIo([3], []);
    await beginWipe('session_ended', 'u_1', io);
    expect(parsePendingWipe(local.get(pendingWipeKey) ?? null)?.keepNotesOf).toBe('u_1');
  });

  it('counts a failed send as unsent', async () => {
    const { io, local } = beginIo([], []);
    io.sendUnsent = () => Promise.reject(new Error('no wasm'));
    await beginWipe('session_ended', 'u_1', io);
    expect(parsePendingWipe(local.get(pendingWipeKey) ?? null)?.keepNotesOf).toBe('u_1');
  });
});
