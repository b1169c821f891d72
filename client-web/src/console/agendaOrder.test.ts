import { describe, expect, it } from 'vitest';
import type { AgendaItem } from '../api/types';
import {
  applyDrop,
  blockOf,
  gapAt,
  moveByOne,
  orderEntries,
  orderRows,
  resolveDrop,
  sameOrder,
  wantsSubItem,
  type OrderRow,
} from './agendaOrder';

const top = (id: string): OrderRow => ({ id, parentId: null });
const sub = (id: string, parentId: string): OrderRow => ({ id, parentId });
const shape = (rows: OrderRow[]) => rows.map((row) => (row.parentId ? `${row.parentId}>${row.id}` : row.id));

/** opening, report (with report.a and report.b), closing */
const agenda = [top('opening'), top('report'), sub('a', 'report'), sub('b', 'report'), top('closing')];

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

describe('orderRows and orderEntries', () => {
  it('reads the agenda in display order with each parent before its sub-items', () => {
    const rows = orderRows([
      item('closing', 2),
      item('b', 1, 'report'),
      item('report', 1),
      item('a', 0, 'report'),
      item('opening', 0),
    ]);
    expect(shape(rows)).toEqual(['opening', 'report', 'report>a', 'report>b', 'closing']);
  });

  it('sends an orphaned sub-item back as a top-level item the server accepts', () => {
    expect(orderRows([item('lost', 0, 'gone')])).toEqual([top('lost')]);
  });

  it('writes the complete order the server takes', () => {
    expect(orderEntries([top('x'), sub('y', 'x')])).toEqual([
      { id: 'x', parent_id: null },
      { id: 'y', parent_id: 'x' },
    ]);
  });
});

describe('blockOf', () => {
  it('moves a top-level item with its sub-items and a sub-item alone', () => {
    expect(blockOf(agenda, 'report')).toEqual([1, 4]);
    expect(blockOf(agenda, 'a')).toEqual([2, 3]);
    expect(blockOf(agenda, 'missing')).toBeNull();
  });
});

describe('resolveDrop and applyDrop: drag and drop', () => {
  const drag = (id: string, gap: number, subItem = false) => {
    const drop = resolveDrop(agenda, id, gap, subItem);
    if (!drop) throw new Error('no drop');
    return shape(applyDrop(agenda, id, drop));
  };

  it('moves a top-level item with its sub-items to the top', () => {
    // Without its block the rows are [opening, closing]; gap 0 is before opening.
    expect(drag('report', 0)).toEqual(['report', 'report>a', 'report>b', 'opening', 'closing']);
  });

  it('moves an item to the end', () => {
    expect(drag('opening', 4)).toEqual(['report', 'report>a', 'report>b', 'closing', 'opening']);
  });

  it('never drops a top-level item between a parent and its sub-items', () => {
    // Rows without "closing": opening, report, a, b; gap 3 is between a and b.
    expect(drag('closing', 3)).toEqual(['opening', 'report', 'report>a', 'report>b', 'closing']);
  });

  it('makes an item a sub-item when pulled right below another item', () => {
    expect(drag('closing', 4, true)).toEqual(['opening', 'report', 'report>a', 'report>b', 'report>closing']);
    expect(drag('closing', 1, true)).toEqual([
      'opening',
      'opening>closing',
      'report',
      'report>a',
      'report>b',
    ]);
  });

  it('keeps an item with sub-items at the top level (one level only)', () => {
    expect(drag('report', 2, true)).toEqual(['opening', 'closing', 'report', 'report>a', 'report>b']);
  });

  it('cannot make the first row a sub-item: nothing is above it', () => {
    expect(drag('closing', 0, true)).toEqual(['closing', 'opening', 'report', 'report>a', 'report>b']);
  });

  it('moves a sub-item to another parent, or out to the top level', () => {
    // Rows without "a": opening, report, b, closing.
    expect(drag('a', 1, true)).toEqual(['opening', 'opening>a', 'report', 'report>b', 'closing']);
    expect(drag('a', 4, false)).toEqual(['opening', 'report', 'report>b', 'closing', 'a']);
    expect(drag('a', 3, true)).toEqual(['opening', 'report', 'report>b', 'report>a', 'closing']);
  });

  it('clamps a gap outside the list', () => {
    expect(drag('opening', 99)).toEqual(['report', 'report>a', 'report>b', 'closing', 'opening']);
    expect(drag('closing', -3)).toEqual(['closing', 'opening', 'report', 'report>a', 'report>b']);
  });

  it('tells a drop back where it started from a real move', () => {
    const drop = resolveDrop(agenda, 'opening', 0, false);
    expect(drop && sameOrder(agenda, applyDrop(agenda, 'opening', drop))).toBe(true);
    expect(sameOrder(agenda, applyDrop(agenda, 'opening', { gap: 4, parentId: null }))).toBe(false);
  });
});

describe('moveByOne: the up and down buttons', () => {
  it('swaps a top-level item with its neighbour, sub-items included', () => {
    expect(shape(moveByOne(agenda, 'closing', -1) ?? [])).toEqual([
      'opening',
      'closing',
      'report',
      'report>a',
      'report>b',
    ]);
    expect(shape(moveByOne(agenda, 'opening', 1) ?? [])).toEqual([
      'report',
      'report>a',
      'report>b',
      'opening',
      'closing',
    ]);
  });

  it('swaps a sub-item with its sibling only', () => {
    expect(shape(moveByOne(agenda, 'b', -1) ?? [])).toEqual([
      'opening',
      'report',
      'report>b',
      'report>a',
      'closing',
    ]);
    expect(moveByOne(agenda, 'a', -1)).toBeNull();
    expect(moveByOne(agenda, 'b', 1)).toBeNull();
  });

  it('stops at the ends', () => {
    expect(moveByOne(agenda, 'opening', -1)).toBeNull();
    expect(moveByOne(agenda, 'closing', 1)).toBeNull();
    expect(moveByOne(agenda, 'missing', 1)).toBeNull();
  });
});

describe('pointer geometry', () => {
  it('counts the rows whose middle is above the pointer', () => {
    expect(gapAt([100, 200, 300], 50)).toBe(0);
    expect(gapAt([100, 200, 300], 250)).toBe(2);
    expect(gapAt([100, 200, 300], 999)).toBe(3);
  });

  it('asks for a sub-item only after a clear pull to the right', () => {
    expect(wantsSubItem(10)).toBe(false);
    expect(wantsSubItem(48)).toBe(true);
    expect(wantsSubItem(-60)).toBe(false);
  });
});
