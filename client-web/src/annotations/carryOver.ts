// Where a document's annotations go when it gets a new version: the pure
// decision, page by page and note by note. This module mirrors the
// server's `server/src/carry_over.rs` rule for rule and constant for
// constant (`minAnchorChars`, `maxAnchorDistance`); change both together.
//
// - A page whose fingerprint (the server's `page_text`, served with each
//   version by `GET /api/v1/documents/{id}/versions`) is found again in
//   the new version carries its ink and notes unchanged to that page (the
//   same page, or the page it moved to). Equal fingerprints are paired in
//   order, so no two old pages land on one new page.
// - A text note on a page that changed follows its anchor: the text line
//   nearest to where it was pinned, when that line is long enough to be
//   told apart and appears exactly once in each version. It keeps its
//   offset from the line. The lines come from the PDFs themselves
//   (`groupLines`, the server's `group_lines` over pdf.js's text items);
//   without the lines of both versions, such a note stays.
// - Everything else stays on the old version (ink on a changed page, a
//   note whose line is gone or ambiguous, anything on a removed page),
//   where it is still shown; nothing is ever drawn over different text.
//
// A record without a `version` (written before records carried one)
// belongs to version 1: the only version every such record may have been
// drawn on for certain is the first, and taking it for a later one could
// carry ink drawn over version 1's text onto a changed page.

import {
  isPinnedNote,
  versionOf,
  type AnnotationDocument,
  type PinnedNote,
  type StrokeRecord,
} from './model';

/** A note's anchor line must be at least this long (normalized
 * characters): a short line ("1.", a date) says too little about where it
 * is. Equal to the server's `MIN_ANCHOR_CHARS`. */
export const minAnchorChars = 8;
/** How far (a fraction of the page height) a note may be from the line it
 * is anchored to: about two lines of body text. Equal to the server's
 * `MAX_ANCHOR_DISTANCE`. */
export const maxAnchorDistance = 0.04;

/** One line of text on a page. */
export interface TextLine {
  /** Normalized (`normalizeText`). */
  text: string;
  /** Where the line starts (its first run's origin on the baseline), in
   * fractions of the unrotated page from its top-left corner. */
  x: number;
  y: number;
}

/** What the carry-over knows of one version. */
export interface VersionPages {
  /** Per page, first first; `null` for a page the server could not read
   * (it never matches anything). */
  fingerprints: readonly (string | null)[];
  /** Every page's lines, top to bottom, when the PDF could be read here;
   * needed only for notes on changed pages. */
  lines?: readonly (readonly TextLine[])[] | null;
}

/** What is carried: ink keeps its coordinates and at most changes page; a
 * note may also move on the page, with its anchor line. Pages 1-based. */
export type Annotation =
  { kind: 'stroke'; page: number } | { kind: 'note'; page: number; x: number; y: number };

/** The decision for one annotation. */
export type Placement =
  /** Its page is unchanged in the new version, as this page. */
  | { kind: 'same_place'; page: number }
  /** A note whose page changed, moved with its anchor line. */
  | { kind: 'moved'; page: number; x: number; y: number }
  | { kind: 'stays' };

/** NFKC, lowercase, without whitespace or control characters: two
 * extractions of the same words compare equal however the producer split
 * or spaced them (the server's `normalize_text`). */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{Cc}]/gu, '');
}

/** A piece of text as pdf.js gives it: its origin in PDF user space and
 * its font size there. */
export interface TextRun {
  text: string;
  x: number;
  y: number;
  fontSize: number;
}

/** Runs on one baseline (within a third of their font size, at least one
 * point) make a line; lines top to bottom, runs left to right. `box` is
 * the page's visible box `[x0, y0, x1, y1]` in user space. */
export function groupLines(
  runs: readonly TextRun[],
  box: readonly [number, number, number, number],
): TextLine[] {
  const [x0, y0, x1, y1] = box;
  const sorted = runs
    .map((run) => ({ ...run, text: normalizeText(run.text) }))
    .filter((run) => run.text !== '' && Number.isFinite(run.x) && Number.isFinite(run.y))
    // Stable: runs at one origin keep the order they were drawn in.
    .sort((a, b) => b.y - a.y);
  const lines: TextRun[][] = [];
  for (const run of sorted) {
    const tolerance = Math.max(Math.abs(run.fontSize) / 3, 1);
    const line = lines.at(-1);
    if (line && Math.abs((line[0] as TextRun).y - run.y) <= tolerance) line.push(run);
    else lines.push([run]);
  }
  const width = x1 - x0 || 1;
  const height = y1 - y0 || 1;
  const unit = (value: number) => Math.min(1, Math.max(0, value));
  return lines.map((line) => {
    line.sort((a, b) => a.x - b.x);
    const first = line[0] as TextRun;
    return {
      text: line.map((run) => run.text).join(''),
      x: unit((first.x - x0) / width),
      y: unit((y1 - first.y) / height),
    };
  });
}

/** For each page of the old version (0-based), the 0-based page of the
 * new version with the same fingerprint, or `null`. */
export function pageMap(
  oldPages: readonly (string | null)[],
  newPages: readonly (string | null)[],
): (number | null)[] {
  const newIndexes = new Map<string, number[]>();
  newPages.forEach((fingerprint, index) => {
    if (fingerprint === null) return;
    const list = newIndexes.get(fingerprint) ?? [];
    list.push(index);
    newIndexes.set(fingerprint, list);
  });
  const seen = new Map<string, number>();
  return oldPages.map((fingerprint) => {
    if (fingerprint === null) return null;
    const occurrence = seen.get(fingerprint) ?? 0;
    seen.set(fingerprint, occurrence + 1);
    return newIndexes.get(fingerprint)?.[occurrence] ?? null;
  });
}

/** The line a note pinned at height `y` is about: the nearest by height,
 * if near enough and long enough. */
function anchorLine(lines: readonly TextLine[], y: number): TextLine | null {
  let nearest: TextLine | null = null;
  for (const line of lines) {
    if (Math.abs(line.y - y) > maxAnchorDistance) continue;
    if (!nearest || Math.abs(line.y - y) < Math.abs(nearest.y - y)) nearest = line;
  }
  return nearest && [...nearest.text].length >= minAnchorChars ? nearest : null;
}

/** Every (0-based page, line) of a version whose text is `text`. */
function linesWithText(
  pages: readonly (readonly TextLine[])[],
  text: string,
): { index: number; line: TextLine }[] {
  return pages.flatMap((lines, index) =>
    lines.filter((line) => line.text === text).map((line) => ({ index, line })),
  );
}

/** A note on a changed page, moved with the one line it is anchored to. */
function followAnchor(
  oldVersion: VersionPages,
  newVersion: VersionPages,
  page: number,
  x: number,
  y: number,
): Placement | null {
  const oldLines = oldVersion.lines;
  const newLines = newVersion.lines;
  if (!oldLines || !newLines) return null;
  const onPage = oldLines[page - 1];
  if (!onPage) return null;
  const anchor = anchorLine(onPage, y);
  if (!anchor || linesWithText(oldLines, anchor.text).length !== 1) return null;
  const found = linesWithText(newLines, anchor.text);
  if (found.length !== 1) return null;
  const [{ index, line }] = found as [{ index: number; line: TextLine }];
  const unit = (value: number) => Math.min(1, Math.max(0, value));
  return { kind: 'moved', page: index + 1, x: unit(x + line.x - anchor.x), y: unit(y + line.y - anchor.y) };
}

/** Where each annotation of the old version goes in the new one. */
export function carryOver(
  oldVersion: VersionPages,
  newVersion: VersionPages,
  annotations: readonly Annotation[],
): Placement[] {
  const map = pageMap(oldVersion.fingerprints, newVersion.fingerprints);
  const unchangedPage = (page: number): number | null => {
    const found = Number.isInteger(page) && page >= 1 ? map[page - 1] : undefined;
    return found === undefined || found === null ? null : found + 1;
  };
  return annotations.map((annotation): Placement => {
    const page = unchangedPage(annotation.page);
    if (page !== null) return { kind: 'same_place', page };
    if (annotation.kind === 'note') {
      return (
        followAnchor(oldVersion, newVersion, annotation.page, annotation.x, annotation.y) ?? { kind: 'stays' }
      );
    }
    return { kind: 'stays' };
  });
}

// ---- Records of a notebook or a shared layer ----

/** One record to update in place: its version, page and (a note that
 * followed its line) its pin. */
export interface CarriedRecord {
  kind: 'stroke' | 'note';
  id: string;
  fromVersion: number;
  page: number;
  x?: number;
  y?: number;
}

/** What carrying a document's annotations to `currentVersion` does. */
export interface CarryOverPlan {
  carried: CarriedRecord[];
  /** How many records stay on an earlier version. */
  staying: number;
  /** The earlier versions whose pages were needed but not known (their
   * records stay for now; a later try may carry them). */
  missingVersions: number[];
}

/** Plans the carry-over of one document's strokes and pinned notes in a
 * notebook or shared layer: every record on an earlier version than
 * `currentVersion` is decided against the current version directly (a
 * record that stayed on version 1 is carried onto version 3 if its page
 * shows the same again). `versions` holds what is known of each version. */
export function planCarryOver(
  document: Partial<AnnotationDocument> | undefined,
  documentId: string,
  currentVersion: number,
  versions: ReadonlyMap<number, VersionPages>,
): CarryOverPlan {
  const plan: CarryOverPlan = { carried: [], staying: 0, missingVersions: [] };
  const current = versions.get(currentVersion);
  type Candidate = { kind: 'stroke' | 'note'; id: string; annotation: Annotation };
  const bySource = new Map<number, Candidate[]>();
  const consider = (record: StrokeRecord | PinnedNote, candidate: Candidate) => {
    if (record.documentId !== documentId) return;
    const version = versionOf(record);
    if (version >= currentVersion) return;
    const list = bySource.get(version) ?? [];
    list.push(candidate);
    bySource.set(version, list);
  };
  for (const stroke of document?.strokes ?? [])
    consider(stroke, { kind: 'stroke', id: stroke.id, annotation: { kind: 'stroke', page: stroke.page } });
  for (const note of Object.values(document?.notes ?? {}).filter(isPinnedNote))
    consider(note, {
      kind: 'note',
      id: note.id,
      annotation: { kind: 'note', page: note.page, x: note.x, y: note.y },
    });
  for (const [fromVersion, candidates] of [...bySource].sort(([a], [b]) => a - b)) {
    const source = versions.get(fromVersion);
    if (!source || !current) {
      plan.staying += candidates.length;
      plan.missingVersions.push(fromVersion);
      continue;
    }
    const placements = carryOver(
      source,
      current,
      candidates.map((candidate) => candidate.annotation),
    );
    placements.forEach((placement, index) => {
      const { kind, id } = candidates[index] as Candidate;
      if (placement.kind === 'stays') plan.staying += 1;
      else if (placement.kind === 'same_place')
        plan.carried.push({ kind, id, fromVersion, page: placement.page });
      else plan.carried.push({ kind, id, fromVersion, page: placement.page, x: placement.x, y: placement.y });
    });
  }
  return plan;
}

/** Carries out a plan in place (inside one `handle.change`): each record
 * keeps its id and gets its new version and page, so running it twice, or
 * on two devices of one user, never makes a copy. A record that another
 * device already carried (no longer on the plan's version) or removed is
 * left alone. Returns how many records changed. */
export function applyCarryOver(
  document: AnnotationDocument,
  plan: CarryOverPlan,
  currentVersion: number,
): number {
  let changed = 0;
  const strokes = new Map<string, StrokeRecord>();
  for (const stroke of document.strokes) strokes.set(stroke.id, stroke);
  for (const carried of plan.carried) {
    const record = carried.kind === 'stroke' ? strokes.get(carried.id) : document.notes[carried.id];
    if (!record || ('kind' in record && record.kind !== 'pin')) continue;
    if (versionOf(record) !== carried.fromVersion) continue;
    record.version = currentVersion;
    if (record.page !== carried.page) record.page = carried.page;
    if (carried.kind === 'note' && 'x' in record && carried.x !== undefined && carried.y !== undefined) {
      record.x = carried.x;
      record.y = carried.y;
    }
    changed += 1;
  }
  return changed;
}

/** How many strokes and pinned notes of a document are on a version
 * earlier than `version` (what "N ghi chú ở phiên bản trước" counts). */
export function countOnEarlierVersions(
  document: Partial<AnnotationDocument> | undefined,
  documentId: string,
  version: number,
): number {
  const strokes = (document?.strokes ?? []).filter(
    (stroke) => stroke.documentId === documentId && versionOf(stroke) < version,
  ).length;
  const notes = Object.values(document?.notes ?? {})
    .filter(isPinnedNote)
    .filter((note) => note.documentId === documentId && versionOf(note) < version).length;
  return strokes + notes;
}
