// Text typed into a text box over a shared Automerge text (the minutes
// draft, an agenda item's note), while another writer edits it too (pure).
//
// - `carrySelection`: where the caret goes when the other writer's edit
//   replaces the box's value (without it, it would jump to the end).
// - `rebaseTyping`: what this writer typed since the box last showed the
//   shared text, as one splice of the shared text as it is now, so that
//   both writers' edits survive.

/** The one span that differs between two texts: `[start, oldEnd)` of
 * `before` became `[start, newEnd)` of `after`. */
export interface TextEdit {
  start: number;
  oldEnd: number;
  newEnd: number;
}

export function textEdit(before: string, after: string): TextEdit {
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (start < shorter && before[start] === after[start]) start += 1;
  let fromEnd = 0;
  while (
    fromEnd < shorter - start &&
    before[before.length - 1 - fromEnd] === after[after.length - 1 - fromEnd]
  )
    fromEnd += 1;
  return { start, oldEnd: before.length - fromEnd, newEnd: after.length - fromEnd };
}

/** A caret position in `before`, carried over to `after`: before the edit
 * it stays; after it, it moves by the edit's length; inside it, it goes to
 * the end of the new text. */
export function carryPosition(position: number, edit: TextEdit): number {
  if (position <= edit.start) return position;
  if (position >= edit.oldEnd) return position + (edit.newEnd - edit.oldEnd);
  return edit.newEnd;
}

/** The selection `[start, end]` of `before`, carried over to `after`. */
export function carrySelection(before: string, after: string, start: number, end: number): [number, number] {
  const edit = textEdit(before, after);
  return [carryPosition(start, edit), carryPosition(end, edit)];
}

/** A splice of the shared text: at `start`, remove `deleteCount`
 * characters and insert `insert`. */
export interface TextSplice {
  start: number;
  deleteCount: number;
  insert: string;
}

/**
 * What this writer typed since `base` (the text box now reads `typed`),
 * as one splice of `latest` (the shared text, which may since have taken
 * the other writer's edits): the typed span is moved past their edits, so
 * both survive. `null` when nothing was typed.
 */
export function rebaseTyping(base: string, typed: string, latest: string): TextSplice | null {
  const local = textEdit(base, typed);
  if (local.start === local.oldEnd && local.start === local.newEnd) return null;
  const remote = textEdit(base, latest);
  const start = carryPosition(local.start, remote);
  const end = Math.max(start, carryPosition(local.oldEnd, remote));
  return { start, deleteCount: end - start, insert: typed.slice(local.start, local.newEnd) };
}

/** `text` with a splice applied. */
export function applySplice(text: string, splice: TextSplice): string {
  return text.slice(0, splice.start) + splice.insert + text.slice(splice.start + splice.deleteCount);
}
