import { describe, expect, it } from 'vitest';
import { isOnServer, storedDocumentIds, syncStateKeys } from './unsent';

const keys = [
  ['doc-a', 'snapshot', 'h1'],
  ['doc-a', 'incremental', 'h2'],
  ['doc-a', 'sync-state', 'server-storage'],
  ['doc-b', 'incremental', 'h3'],
  ['storage-adapter-id'],
];

describe('the documents a user left on the device', () => {
  it('are the documents whose chunks are stored, each once', () => {
    expect(storedDocumentIds(keys)).toEqual(['doc-a', 'doc-b']);
  });

  it("have the server's sync state beside them when they were ever synced", () => {
    const states = syncStateKeys(keys);
    expect(states.get('doc-a')).toEqual([['doc-a', 'sync-state', 'server-storage']]);
    expect(states.has('doc-b')).toBe(false);
  });
});

describe('a document is on the server', () => {
  it('when its heads are the heads the server reported or last shared', () => {
    expect(isOnServer(['x', 'y'], [undefined, ['y', 'x']])).toBe(true);
  });

  it('not when it has a change the server never acknowledged', () => {
    expect(isOnServer(['x', 'z'], [['x', 'y']])).toBe(false);
    expect(isOnServer(['x', 'y'], [['x']])).toBe(false);
  });

  it('not when the server never answered for it', () => {
    expect(isOnServer(['x'], [])).toBe(false);
    expect(isOnServer(['x'], [undefined])).toBe(false);
  });
});
