import { describe, expect, it } from 'vitest';
import { ChangeMarks, type MarkStorage } from './changeMarks';

function mapStorage(): MarkStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

describe('ChangeMarks', () => {
  it('keeps marks across pages of the same device until seen', () => {
    const storage = mapStorage();
    new ChangeMarks(storage).add('m1', ['item-6'], ['doc-x']);
    const later = new ChangeMarks(storage);
    expect(later.get('m1')).toEqual({ items: ['item-6'], documents: ['doc-x'] });
    expect(later.get('m2')).toEqual({ items: [], documents: [] });
  });

  it('opening a document clears it and its item, not the others', () => {
    const marks = new ChangeMarks(mapStorage());
    marks.add('m1', ['a', 'b'], ['x', 'y']);
    marks.seenDocument('m1', 'x', 'a');
    expect(marks.get('m1')).toEqual({ items: ['b'], documents: ['y'] });
  });

  it('adds to marks not yet seen without doubling them', () => {
    const marks = new ChangeMarks(mapStorage());
    marks.add('m1', ['a'], []);
    marks.add('m1', ['a', 'c'], ['x']);
    expect(marks.get('m1')).toEqual({ items: ['a', 'c'], documents: ['x'] });
  });

  it('"Đã xem" clears everything and leaves no key behind', () => {
    const storage = mapStorage();
    const marks = new ChangeMarks(storage);
    marks.add('m1', ['a'], ['x']);
    marks.seenAll('m1');
    expect(marks.get('m1')).toEqual({ items: [], documents: [] });
    expect(storage.map.size).toBe(0);
  });

  it('survives garbage in storage and a storage that refuses', () => {
    const storage = mapStorage();
    storage.map.set('phonghop.changes.m1', '{not json');
    expect(new ChangeMarks(storage).get('m1')).toEqual({ items: [], documents: [] });
    const refusing: MarkStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const marks = new ChangeMarks(refusing);
    marks.add('m1', ['a'], []);
    expect(marks.get('m1').items).toEqual(['a']);
  });
});
