import { describe, expect, it } from 'vitest';
import type { AgendaItem } from '../api/types';
import { layoutAgenda } from './agenda';

function item(id: string, position: number, parentId: string | null = null): AgendaItem {
  return {
    id,
    parent_id: parentId,
    position,
    title: id,
    presenter: null,
    duration_minutes: null,
    updated: false,
    documents: [],
  };
}

const shape = (items: AgendaItem[]) =>
  layoutAgenda(items).map((row) => `${row.number}:${row.item.id}@${row.depth}`);

describe('layoutAgenda', () => {
  it('numbers top-level items and indents sub-items under their parent', () => {
    expect(
      shape([
        item('opening', 0),
        item('report', 1),
        item('report-economy', 0, 'report'),
        item('report-budget', 1, 'report'),
        item('closing', 2),
      ]),
    ).toEqual(['1:opening@0', '2:report@0', '2.1:report-economy@1', '2.2:report-budget@1', '3:closing@0']);
  });

  it('follows position when items arrive out of order', () => {
    expect(shape([item('b', 1), item('b1', 0, 'b'), item('a', 0)])).toEqual(['1:a@0', '2:b@0', '2.1:b1@1']);
  });

  it('shows an item whose parent is missing at the top level', () => {
    expect(shape([item('a', 0), item('orphan', 0, 'gone')])).toEqual(['1:a@0', '2:orphan@0']);
  });

  it('shows items caught in a parent cycle instead of losing them', () => {
    expect(shape([item('a', 0), item('x', 0, 'y'), item('y', 0, 'x')])).toHaveLength(3);
  });

  it('nests sub-sub-items two levels deep', () => {
    expect(shape([item('a', 0), item('a1', 0, 'a'), item('a1x', 0, 'a1')])).toEqual([
      '1:a@0',
      '1.1:a1@1',
      '1.1.1:a1x@2',
    ]);
  });
});
