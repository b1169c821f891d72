import { describe, expect, it } from 'vitest';
import { ballotKeyFor, newBallotKey, type KeyStore } from './ballotKey';

function fakeStore(): KeyStore & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  };
}

describe('ballot keys', () => {
  it('are 32 hex characters, as the server requires', () => {
    expect(newBallotKey()).toMatch(/^[0-9a-f]{32}$/);
    expect(newBallotKey(() => new Uint8Array(16).fill(255))).toBe('f'.repeat(32));
  });

  it('stay the same for one vote, so a change proves the first ballot', () => {
    const store = fakeStore();
    const fallback = new Map<string, string>();
    const first = ballotKeyFor('v_1', store, fallback);
    expect(ballotKeyFor('v_1', store, fallback)).toBe(first);
    expect(ballotKeyFor('v_2', store, fallback)).not.toBe(first);
    expect([...store.items.values()]).toContain(first);
  });

  it('survive a storage that refuses, for the life of the page', () => {
    const refusing: KeyStore = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    const fallback = new Map<string, string>();
    const key = ballotKeyFor('v_1', refusing, fallback);
    expect(ballotKeyFor('v_1', refusing, fallback)).toBe(key);
  });
});
