// What changed between two states of a meeting, for the calm notice an
// open screen shows when the secretary edits a published agenda ("Đã cập
// nhật: thêm mục 6; tài liệu X có phiên bản mới") and for the marks on
// the changed items.
//
// Pure: the old and the new meeting JSON in, the changes out. Items and
// documents are matched by id; numbers are the ones read out in the
// meeting (`layoutAgenda`), so "mục 6" is what the delegate sees. A moved
// item is one outside the longest run kept in order, so items an insertion
// pushed down are not called moved.

import type { AgendaItem, DocumentInfo, Meeting } from '../api/types';
import type { MessageKey, MessageParams } from '../i18n/i18n';
import { layoutAgenda } from './agenda';

export type AgendaChange =
  | { kind: 'item_added'; itemId: string; number: string; title: string }
  | { kind: 'item_removed'; itemId: string; title: string }
  | { kind: 'item_renamed'; itemId: string; number: string; title: string; previousTitle: string }
  /** Reordered among its siblings or moved under another item. */
  | { kind: 'item_moved'; itemId: string; number: string; title: string; previousNumber: string }
  /** Presenter or duration changed. */
  | { kind: 'item_details'; itemId: string; number: string; title: string }
  | { kind: 'document_added'; itemId: string; documentId: string; title: string }
  | { kind: 'document_removed'; itemId: string | null; documentId: string; title: string }
  | {
      kind: 'document_replaced';
      itemId: string;
      documentId: string;
      title: string;
      version: number;
      pageCount: number;
    }
  | {
      kind: 'document_confidential';
      itemId: string;
      documentId: string;
      title: string;
      confidential: boolean;
    }
  /** Title, time, place or video link of the meeting itself. */
  | { kind: 'meeting_details' };

type Meetingish = Pick<Meeting, 'title' | 'starts_at' | 'place' | 'video_link' | 'agenda'>;

/** The indices of `sequence` outside one longest increasing subsequence:
 * the fewest items that moved to turn the old order into the new one. */
function movedIndices(sequence: readonly number[]): Set<number> {
  // Patience sorting with back links, O(n log n).
  const tails: number[] = [];
  const previous: number[] = new Array<number>(sequence.length).fill(-1);
  sequence.forEach((value, index) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((sequence[tails[middle] as number] as number) < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[index] = tails[low - 1] as number;
    tails[low] = index;
  });
  const kept = new Set<number>();
  for (
    let index = tails.length > 0 ? (tails[tails.length - 1] as number) : -1;
    index >= 0;
    index = previous[index] as number
  ) {
    kept.add(index);
  }
  return new Set(sequence.map((_, index) => index).filter((index) => !kept.has(index)));
}

/** Items whose place changed: a new parent, or an order among the
 * siblings kept from before that is not the old one. */
function movedItems(before: readonly AgendaItem[], after: readonly AgendaItem[]): Set<string> {
  const beforeById = new Map(before.map((item) => [item.id, item]));
  const moved = new Set<string>();
  const oldOrder = new Map(layoutAgenda(before).map((row, index) => [row.item.id, index]));
  const siblingsByParent = new Map<string | null, string[]>();
  for (const row of layoutAgenda(after)) {
    const old = beforeById.get(row.item.id);
    if (!old) continue;
    if (old.parent_id !== row.item.parent_id) {
      moved.add(row.item.id);
      continue;
    }
    const siblings = siblingsByParent.get(row.item.parent_id) ?? [];
    siblings.push(row.item.id);
    siblingsByParent.set(row.item.parent_id, siblings);
  }
  for (const siblings of siblingsByParent.values()) {
    const sequence = siblings.map((id) => oldOrder.get(id) ?? 0);
    for (const index of movedIndices(sequence)) moved.add(siblings[index] as string);
  }
  return moved;
}

function documentsById(
  agenda: readonly AgendaItem[],
): Map<string, { document: DocumentInfo; itemId: string }> {
  const found = new Map<string, { document: DocumentInfo; itemId: string }>();
  for (const item of agenda) {
    for (const document of item.documents) found.set(document.id, { document, itemId: item.id });
  }
  return found;
}

/** Every change from `before` to `after`, in the new agenda's order
 * (removals last, in the old order). */
export function agendaChanges(before: Meetingish, after: Meetingish): AgendaChange[] {
  const changes: AgendaChange[] = [];
  if (
    before.title !== after.title ||
    before.starts_at !== after.starts_at ||
    before.place !== after.place ||
    before.video_link !== after.video_link
  ) {
    changes.push({ kind: 'meeting_details' });
  }
  const beforeRows = layoutAgenda(before.agenda);
  const beforeById = new Map(beforeRows.map((row) => [row.item.id, row]));
  const afterRows = layoutAgenda(after.agenda);
  const afterIds = new Set(afterRows.map((row) => row.item.id));
  const moved = movedItems(before.agenda, after.agenda);
  const oldDocuments = documentsById(before.agenda);
  const newDocuments = documentsById(after.agenda);

  for (const { item, number } of afterRows) {
    const old = beforeById.get(item.id);
    if (!old) {
      changes.push({ kind: 'item_added', itemId: item.id, number, title: item.title });
    } else {
      if (old.item.title !== item.title) {
        changes.push({
          kind: 'item_renamed',
          itemId: item.id,
          number,
          title: item.title,
          previousTitle: old.item.title,
        });
      }
      if (moved.has(item.id)) {
        changes.push({
          kind: 'item_moved',
          itemId: item.id,
          number,
          title: item.title,
          previousNumber: old.number,
        });
      }
      if (old.item.presenter !== item.presenter || old.item.duration_minutes !== item.duration_minutes) {
        changes.push({ kind: 'item_details', itemId: item.id, number, title: item.title });
      }
    }
    for (const document of item.documents) {
      const previous = oldDocuments.get(document.id)?.document;
      const base = { itemId: item.id, documentId: document.id, title: document.title };
      if (!previous) {
        changes.push({ kind: 'document_added', ...base });
        continue;
      }
      if (previous.version !== document.version || previous.sha256 !== document.sha256) {
        changes.push({
          kind: 'document_replaced',
          ...base,
          version: document.version,
          pageCount: document.page_count,
        });
      }
      if (previous.confidential !== document.confidential) {
        changes.push({ kind: 'document_confidential', ...base, confidential: document.confidential });
      }
    }
  }
  for (const { item } of beforeRows) {
    if (!afterIds.has(item.id)) changes.push({ kind: 'item_removed', itemId: item.id, title: item.title });
  }
  for (const [documentId, { document, itemId }] of oldDocuments) {
    if (newDocuments.has(documentId)) continue;
    // A document that left with its item is said once, with the item.
    changes.push({
      kind: 'document_removed',
      itemId: afterIds.has(itemId) ? itemId : null,
      documentId,
      title: document.title,
    });
  }
  return changes;
}

/** The items to mark as changed on screen (those still on the agenda). */
export function changedItemIds(changes: readonly AgendaChange[]): string[] {
  const ids = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'meeting_details' || change.kind === 'item_removed') continue;
    if (change.itemId !== null) ids.add(change.itemId);
  }
  return [...ids];
}

/** The documents whose new state the screen should point out. */
export function changedDocumentIds(changes: readonly AgendaChange[]): string[] {
  const ids = new Set<string>();
  for (const change of changes) {
    if (
      change.kind === 'document_added' ||
      change.kind === 'document_replaced' ||
      change.kind === 'document_confidential'
    ) {
      ids.add(change.documentId);
    }
  }
  return [...ids];
}

export interface Phrase {
  key: MessageKey;
  params: MessageParams;
}

/** One phrase per change, for the notice. */
export function describeChange(change: AgendaChange): Phrase {
  switch (change.kind) {
    case 'meeting_details':
      return { key: 'changes.meetingDetails', params: {} };
    case 'item_added':
      return { key: 'changes.itemAdded', params: { number: change.number, title: change.title } };
    case 'item_removed':
      return { key: 'changes.itemRemoved', params: { title: change.title } };
    case 'item_renamed':
      return { key: 'changes.itemRenamed', params: { number: change.number, title: change.title } };
    case 'item_moved':
      return { key: 'changes.itemMoved', params: { number: change.number, title: change.title } };
    case 'item_details':
      return { key: 'changes.itemDetails', params: { number: change.number } };
    case 'document_added':
      return { key: 'changes.documentAdded', params: { title: change.title } };
    case 'document_removed':
      return { key: 'changes.documentRemoved', params: { title: change.title } };
    case 'document_replaced':
      return { key: 'changes.documentReplaced', params: { title: change.title, version: change.version } };
    case 'document_confidential':
      return {
        key: change.confidential ? 'changes.documentConfidential' : 'changes.documentNotConfidential',
        params: { title: change.title },
      };
  }
}

/** How many phrases a notice lists before "và N thay đổi khác". */
export const noticePhrases = 4;

/** The phrases of a notice: the first few changes, then how many more. */
export function noticeParts(changes: readonly AgendaChange[]): { phrases: Phrase[]; more: number } {
  const phrases = changes.slice(0, noticePhrases).map(describeChange);
  return { phrases, more: Math.max(0, changes.length - noticePhrases) };
}
