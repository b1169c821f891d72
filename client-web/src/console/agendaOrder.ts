// Reordering the agenda: the decisions behind drag and drop and the
// up/down buttons, as pure functions over the rows in display order.
//
// The server takes the complete order (`PUT …/agenda/order`): every item
// once, each parent before its children, one level of sub-items. Rows here
// keep that shape: a top-level item is followed by its sub-items, so a
// top-level item moves as a block with them, and a sub-item moves alone.

import type { AgendaItem, AgendaOrderEntry } from '../api/types';
import { layoutAgenda } from '../meetings/agenda';

export interface OrderRow {
  id: string;
  /** `null` for a top-level item. */
  parentId: string | null;
}

/** The agenda's rows in display order. Anything the layout shows at the
 * top level (including an orphaned sub-item) is top-level here, so the
 * order sent back is always one the server accepts. */
export function orderRows(items: readonly AgendaItem[]): OrderRow[] {
  return layoutAgenda(items).map(({ item, depth }) => ({
    id: item.id,
    parentId: depth === 0 ? null : item.parent_id,
  }));
}

/** The `PUT …/agenda/order` body for rows. */
export function orderEntries(rows: readonly OrderRow[]): AgendaOrderEntry[] {
  return rows.map((row) => ({ id: row.id, parent_id: row.parentId }));
}

export function sameOrder(a: readonly OrderRow[], b: readonly OrderRow[]): boolean {
  return a.length === b.length && a.every((row, i) => row.id === b[i]?.id && row.parentId === b[i]?.parentId);
}

/** `[start, end)` of the rows that move with `id`: itself and, for a
 * top-level item, its sub-items. `null` when `id` is not in the rows. */
export function blockOf(rows: readonly OrderRow[], id: string): [number, number] | null {
  const start = rows.findIndex((row) => row.id === id);
  if (start < 0) return null;
  let end = start + 1;
  if (rows[start]?.parentId === null) {
    while (end < rows.length && rows[end]?.parentId === id) end += 1;
  }
  return [start, end];
}

/** Where a dragged block lands: before the row at `gap` of the rows
 * without the block, as a top-level item (`parentId` null) or as a
 * sub-item of `parentId`. */
export interface Drop {
  gap: number;
  parentId: string | null;
}

/**
 * Turns where the pointer is (a gap between rows, and whether the user
 * pulled to the right to ask for a sub-item) into a drop the agenda's
 * shape allows:
 * - a sub-item needs a row above it, and an item with sub-items of its
 *   own cannot become one (one level only); its parent is the top-level
 *   item the row above belongs to;
 * - a top-level item never lands between a parent and its sub-items: it
 *   moves down past them instead of adopting them.
 */
export function resolveDrop(
  rows: readonly OrderRow[],
  id: string,
  gap: number,
  wantsSubItem: boolean,
): Drop | null {
  const block = blockOf(rows, id);
  if (!block) return null;
  const rest = [...rows.slice(0, block[0]), ...rows.slice(block[1])];
  let at = Math.max(0, Math.min(gap, rest.length));
  const hasChildren = block[1] - block[0] > 1;
  const above = rest[at - 1];
  if (wantsSubItem && !hasChildren && above) {
    return { gap: at, parentId: above.parentId ?? above.id };
  }
  while (at < rest.length && rest[at]?.parentId !== null) at += 1;
  return { gap: at, parentId: null };
}

/** The rows after moving `id`'s block to `drop`. */
export function applyDrop(rows: readonly OrderRow[], id: string, drop: Drop): OrderRow[] {
  const block = blockOf(rows, id);
  if (!block) return [...rows];
  const moved = rows.slice(block[0], block[1]);
  const rest = [...rows.slice(0, block[0]), ...rows.slice(block[1])];
  const [head, ...children] = moved;
  if (!head) return [...rows];
  const placed = [{ id: head.id, parentId: drop.parentId }, ...children];
  return [...rest.slice(0, drop.gap), ...placed, ...rest.slice(drop.gap)];
}

/** The rows after the up/down button of `id`: a top-level item swaps with
 * the neighbouring top-level item (each with its sub-items); a sub-item
 * swaps with its neighbouring sibling. `null` when it cannot move further. */
export function moveByOne(rows: readonly OrderRow[], id: string, direction: -1 | 1): OrderRow[] | null {
  const block = blockOf(rows, id);
  const row = rows.find((candidate) => candidate.id === id);
  if (!block || !row) return null;
  if (row.parentId !== null) {
    const neighbour = rows[block[0] + direction];
    if (!neighbour || neighbour.parentId !== row.parentId) return null;
    const result = [...rows];
    result[block[0]] = neighbour;
    result[block[0] + direction] = row;
    return result;
  }
  const tops = rows.filter((candidate) => candidate.parentId === null);
  const index = tops.findIndex((candidate) => candidate.id === id);
  const other = tops[index + direction];
  if (!other) return null;
  const [first, second] = direction === -1 ? [other.id, id] : [id, other.id];
  const firstBlock = blockOf(rows, first);
  const secondBlock = blockOf(rows, second);
  if (!firstBlock || !secondBlock) return null;
  return [
    ...rows.slice(0, firstBlock[0]),
    ...rows.slice(secondBlock[0], secondBlock[1]),
    ...rows.slice(firstBlock[0], firstBlock[1]),
    ...rows.slice(secondBlock[1]),
  ];
}

/** The gap the pointer is over: how many of the other rows have their
 * vertical middle above the pointer. `middles` are in display order. */
export function gapAt(middles: readonly number[], pointerY: number): number {
  let gap = 0;
  for (const middle of middles) {
    if (middle < pointerY) gap += 1;
  }
  return gap;
}

/** How far right, in CSS pixels, a drag must pull to ask for a sub-item. */
export const subItemPull = 48;

/** Whether the horizontal pull of a drag asks for a sub-item. */
export function wantsSubItem(pullX: number, threshold = subItemPull): boolean {
  return pullX >= threshold;
}
