import { describe, expect, it } from 'vitest';
import {
  chooseMode,
  defaultViewPreference,
  loadViewPreference,
  modesFor,
  orientationOf,
} from './viewPreference';

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
  };
}

describe('view preference', () => {
  it('fits the width in landscape and the page in portrait until chosen otherwise', () => {
    expect(loadViewPreference(memoryStorage())).toEqual({ landscape: 'width', portrait: 'page' });
    expect(orientationOf(1280, 800)).toBe('landscape');
    expect(orientationOf(800, 1280)).toBe('portrait');
  });

  it('remembers a choice per orientation on the device', () => {
    const storage = memoryStorage();
    const chosen = chooseMode(storage, defaultViewPreference, 'landscape', 'spread');
    expect(chosen).toEqual({ landscape: 'spread', portrait: 'page' });
    expect(loadViewPreference(storage)).toEqual({ landscape: 'spread', portrait: 'page' });
  });

  it('offers a spread only in landscape, and ignores one asked for in portrait', () => {
    expect(modesFor('portrait')).not.toContain('spread');
    const storage = memoryStorage();
    expect(chooseMode(storage, defaultViewPreference, 'portrait', 'spread')).toBe(defaultViewPreference);
    storage.setItem('phonghop.readerView', JSON.stringify({ landscape: 'page', portrait: 'spread' }));
    expect(loadViewPreference(storage)).toEqual({ landscape: 'page', portrait: 'page' });
  });

  it('falls back to the defaults for damaged or missing storage', () => {
    const storage = memoryStorage();
    storage.setItem('phonghop.readerView', '{not json');
    expect(loadViewPreference(storage)).toEqual(defaultViewPreference);
    expect(loadViewPreference(undefined)).toEqual(defaultViewPreference);
    const throwing = {
      getItem: () => {
        throw new Error('private mode');
      },
    };
    expect(loadViewPreference(throwing)).toEqual(defaultViewPreference);
  });
});
