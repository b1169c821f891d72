// Laying out the agenda (chương trình họp) as numbered, indented rows.
//
// The server sends items already ordered, each top-level item followed by
// its sub-items. The layout still rebuilds the tree from `parent_id` and
// `position`, so an item whose parent is missing, or a list that arrives
// in another order, is shown sensibly instead of under the wrong heading.

import type { AgendaItem } from '../api/types';

export interface AgendaRow {
  item: AgendaItem;
  /** 0 for a top-level item, 1 for its sub-items, and so on. */
  depth: number;
  /** "1", "2", "2.1": the number read out in the meeting. */
  number: string;
}

/** The agenda in reading order, each item numbered within its parent. */
export function layoutAgenda(items: readonly AgendaItem[]): AgendaRow[] {
  const ids = new Set(items.map((item) => item.id));
  const childrenOf = new Map<string | null, AgendaItem[]>();
  items.forEach((item) => {
    // An item pointing at a parent that is not in the list, or at itself,
    // is shown at the top level rather than dropped.
    const parent =
      item.parent_id !== null && ids.has(item.parent_id) && item.parent_id !== item.id
        ? item.parent_id
        : null;
    const siblings = childrenOf.get(parent) ?? [];
    siblings.push(item);
    childrenOf.set(parent, siblings);
  });
  const arrival = new Map(items.map((item, index) => [item.id, index]));
  const rows: AgendaRow[] = [];
  const visited = new Set<string>();
  const visit = (parent: string | null, depth: number, prefix: string) => {
    const siblings = [...(childrenOf.get(parent) ?? [])].sort(
      (a, b) => a.position - b.position || (arrival.get(a.id) ?? 0) - (arrival.get(b.id) ?? 0),
    );
    siblings.forEach((item, index) => {
      if (visited.has(item.id)) return;
      visited.add(item.id);
      const number = `${prefix}${index + 1}`;
      rows.push({ item, depth, number });
      visit(item.id, depth + 1, `${number}.`);
    });
  };
  visit(null, 0, '');
  // Items caught in a parent cycle are never reached from the top; show
  // them at the end rather than lose them.
  for (const item of items) {
    if (!visited.has(item.id)) {
      visited.add(item.id);
      rows.push({ item, depth: 0, number: String(rows.filter((row) => row.depth === 0).length + 1) });
    }
  }
  return rows;
}
