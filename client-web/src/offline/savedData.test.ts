import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { User } from '../api/types';
import { freshOrSaved, isUnreachable, memoryKeyValueStore, SavedData, type Saved } from './savedData';

const delegate: User = {
  id: 'u_1',
  username: 'daibieu01',
  display_name: 'Đại biểu 01',
  role: 'user',
  must_change_password: false,
};
const other: User = {
  id: 'u_2',
  username: 'daibieu02',
  display_name: 'Đại biểu 02',
  role: 'user',
  must_change_password: false,
};
const offline = () => new ApiError(0, 'network_error', 'Không kết nối được máy chủ.');

describe('isUnreachable', () => {
  it('counts dropped connections and proxies saying the server is down', () => {
    expect(isUnreachable(offline())).toBe(true);
    expect(isUnreachable(new ApiError(503, 'unexpected_response', 'x'))).toBe(true);
  });

  it('does not count answers from the server itself', () => {
    expect(isUnreachable(new ApiError(401, 'unauthenticated', 'x'))).toBe(false);
    expect(isUnreachable(new ApiError(404, 'not_found', 'x'))).toBe(false);
    expect(isUnreachable(new ApiError(500, 'unexpected_response', 'x'))).toBe(false);
    expect(isUnreachable(new Error('x'))).toBe(false);
  });
});

describe('SavedData', () => {
  it('keeps values per user with the time they were saved', async () => {
    let now = 1000;
    const saved = new SavedData(memoryKeyValueStore(), () => now);
    await saved.save('u_1', 'meetings', ['m_1']);
    now = 2000;
    expect(await saved.load('u_1', 'meetings')).toEqual({ value: ['m_1'], savedAt: 1000 });
    expect(await saved.load('u_2', 'meetings')).toBeNull();
  });

  it('forgets the previous user data when someone else logs in on the tablet', async () => {
    const saved = new SavedData(memoryKeyValueStore());
    expect(await saved.rememberUser(delegate)).toEqual({ switchedUser: false });
    await saved.save('u_1', 'meetings', ['m_1']);
    expect(await saved.rememberUser(delegate)).toEqual({ switchedUser: false });
    expect(await saved.load('u_1', 'meetings')).not.toBeNull();
    expect(await saved.rememberUser(other)).toEqual({ switchedUser: true });
    expect(await saved.load('u_1', 'meetings')).toBeNull();
    expect(await saved.lastUser()).toEqual(other);
  });

  it('forgets everything at logout', async () => {
    const saved = new SavedData(memoryKeyValueStore());
    await saved.rememberUser(delegate);
    await saved.saveShared('documents-index', { meetings: {} });
    await saved.forgetEverything();
    expect(await saved.lastUser()).toBeNull();
    expect(await saved.loadShared('documents-index')).toBeNull();
  });
});

describe('freshOrSaved', () => {
  function memory<T>() {
    let kept: Saved<T> | null = null;
    return {
      load: async () => kept,
      save: async (value: T) => {
        kept = { value, savedAt: 42 };
      },
    };
  }

  it('returns and keeps the server answer', async () => {
    const slot = memory<string>();
    expect(await freshOrSaved(async () => 'fresh', slot)).toEqual({ value: 'fresh', savedAt: null });
    await Promise.resolve();
    expect(await slot.load()).toEqual({ value: 'fresh', savedAt: 42 });
  });

  it('falls back to the kept answer when the server is out of reach', async () => {
    const slot = memory<string>();
    await slot.save('old');
    expect(await freshOrSaved(() => Promise.reject(offline()), slot)).toEqual({ value: 'old', savedAt: 42 });
  });

  it('throws the network failure when nothing was kept', async () => {
    await expect(freshOrSaved(() => Promise.reject(offline()), memory<string>())).rejects.toMatchObject({
      code: 'network_error',
    });
  });

  it('never hides what the server said behind saved data', async () => {
    const slot = memory<string>();
    await slot.save('old');
    const removed = new ApiError(404, 'not_found', 'Không tìm thấy.');
    await expect(freshOrSaved(() => Promise.reject(removed), slot)).rejects.toBe(removed);
  });
});
