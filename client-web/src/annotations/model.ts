// The annotation model: ink strokes, pinned text notes and per-item notes,
// as they are stored in a notebook or a shared layer, and the pure
// decisions about them (which strokes an eraser touches, what a page
// shows, what a shared copy looks like).
//
// Both documents start as `{strokes: [], notes: {}}` (the server's
// `annotation_document`). This module only adds to that shape:
// - `strokes[]`: `StrokeRecord`, in drawing order;
// - `notes{}`: `PinnedNote` by its id, and `ItemNote` under
//   `item:{agendaItemId}` (inside `notes` rather than a new root key: two
//   tablets creating the same new root key offline would conflict and one
//   side's map would vanish on merge).
//
// Coordinates are fractions of the page (0..1 from the top-left corner of
// the unrotated page) and widths are fractions of the page's width, so ink
// keeps its place and thickness at every zoom and after the tablet turns.
// A stroke's points are packed in a byte array (5 bytes a point) and stored
// as one value: a stroke is written once and never edited, and one value
// costs Automerge far less than a list of numbers.
//
// Every function that changes a document takes the document itself (an
// Automerge proxy inside `handle.change`, or a plain object in tests).

export type InkTool = 'pen' | 'highlighter';

/** One sampled point of a stroke; all three in 0..1. */
export interface InkPoint {
  x: number;
  y: number;
  pressure: number;
}

/** A stroke as stored. */
export interface StrokeRecord {
  id: string;
  documentId: string;
  page: number;
  tool: InkTool;
  /** A CSS colour, one of `inkColors`. */
  color: string;
  /** A fraction of the page's width. */
  width: number;
  /** `packPoints` of the sampled points. */
  points: Uint8Array;
  /** Milliseconds since 1970. */
  createdAt: number;
  /** The document version it was drawn on (`DocumentInfo.version`); a
   * stroke without one belongs to version 1 (`versionOf`, `carryOver.ts`). */
  version?: number;
  /** On a shared layer: the name its writer gave. Never shown: anyone may
   * write any name here; the name shown is the layer's owner as the server
   * says (`sharedLayers.ts`), which `sharedOnPage` puts in its place. */
  author?: string;
  /** On a shared layer: the notebook stroke this is a copy of. */
  sharedFrom?: string;
}

/** A text note pinned to a spot of a page. */
export interface PinnedNote {
  kind: 'pin';
  id: string;
  documentId: string;
  page: number;
  x: number;
  y: number;
  text: string;
  createdAt: number;
  /** The document version it was pinned on; none means version 1. */
  version?: number;
  author?: string;
  sharedFrom?: string;
}

/** The free-text note a delegate keeps about one agenda item. */
export interface ItemNote {
  kind: 'item';
  agendaItemId: string;
  text: string;
}

export type NoteRecord = PinnedNote | ItemNote;

/** A notebook or a shared layer. */
export type AnnotationDocument = {
  strokes: StrokeRecord[];
  notes: Record<string, NoteRecord>;
};

/** The colours offered: black, red, blue, green (pens) and yellow (for
 * the highlighter). */
export const inkColors = ['#1f2328', '#c62828', '#1565c0', '#2e7d32', '#f9a825'] as const;

/** Pen widths offered, as fractions of the page width (thin, medium,
 * thick); the highlighter draws four times as wide. */
export const penWidths = [0.002, 0.004, 0.008] as const;
export const highlighterScale = 4;

/** The stroke width for a tool at a chosen pen width. */
export function toolWidth(tool: InkTool, penWidth: number): number {
  return tool === 'highlighter' ? penWidth * highlighterScale : penWidth;
}

const clampUnit = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** Bytes per packed point: x and y as 16-bit fractions, pressure as 8 bits. */
export const bytesPerPoint = 5;

/** Packs points into bytes (x, y: 1/65535 of the page; pressure: 1/255). */
export function packPoints(points: readonly InkPoint[]): Uint8Array {
  const bytes = new Uint8Array(points.length * bytesPerPoint);
  const view = new DataView(bytes.buffer);
  points.forEach((point, index) => {
    const offset = index * bytesPerPoint;
    view.setUint16(offset, Math.round(clampUnit(point.x) * 65535), true);
    view.setUint16(offset + 2, Math.round(clampUnit(point.y) * 65535), true);
    view.setUint8(offset + 4, Math.round(clampUnit(point.pressure) * 255));
  });
  return bytes;
}

/** The points `packPoints` packed; a trailing partial point is ignored. */
export function unpackPoints(bytes: Uint8Array): InkPoint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points: InkPoint[] = [];
  for (let offset = 0; offset + bytesPerPoint <= bytes.byteLength; offset += bytesPerPoint) {
    points.push({
      x: view.getUint16(offset, true) / 65535,
      y: view.getUint16(offset + 2, true) / 65535,
      pressure: view.getUint8(offset + 4) / 255,
    });
  }
  return points;
}

/** A position on screen turned into page fractions, given the page's box
 * on screen (so it holds at any zoom or scroll). */
export function toPagePoint(
  clientX: number,
  clientY: number,
  pressure: number,
  box: { left: number; top: number; width: number; height: number },
): InkPoint {
  return {
    x: clampUnit((clientX - box.left) / Math.max(1, box.width)),
    y: clampUnit((clientY - box.top) / Math.max(1, box.height)),
    pressure: clampUnit(pressure),
  };
}

/** A fresh id for a stroke or note: 16 random bytes in hex (works over
 * plain HTTP on a LAN, where `crypto.randomUUID` does not exist). */
export function newAnnotationId(
  random: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => crypto.getRandomValues(bytes),
): string {
  const bytes = new Uint8Array(16);
  random(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** What a page of a document shows from one layer. */
export interface PageAnnotations {
  strokes: StrokeRecord[];
  notes: PinnedNote[];
}

export function isPinnedNote(note: NoteRecord | undefined): note is PinnedNote {
  return note?.kind === 'pin';
}

/** The version a record belongs to: its `version`, or 1 when it has
 * none (see `carryOver.ts`). */
export function versionOf(record: { version?: number }): number {
  const version = record.version;
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : 1;
}

/** The strokes and pinned notes of one page of one version of a
 * document, strokes in drawing order and notes oldest first (with no
 * `version`, of every version). Tolerates a document still missing its
 * arrays. */
export function annotationsOnPage(
  document: Partial<AnnotationDocument> | undefined,
  documentId: string,
  page: number,
  version?: number,
): PageAnnotations {
  const ofVersion = (record: { version?: number }) => version === undefined || versionOf(record) === version;
  const strokes = (document?.strokes ?? []).filter(
    (stroke) => stroke.documentId === documentId && stroke.page === page && ofVersion(stroke),
  );
  const notes = Object.values(document?.notes ?? {})
    .filter(isPinnedNote)
    .filter((note) => note.documentId === documentId && note.page === page && ofVersion(note))
    .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return { strokes, notes };
}

/** The square of the distance from `point` to the segment `from`–`to`,
 * in page fractions with `aspect` = page height / width applied to y so a
 * distance means the same across and down the page. */
function segmentDistanceSquared(point: InkPoint, from: InkPoint, to: InkPoint, aspect: number): number {
  const px = point.x;
  const py = point.y * aspect;
  const ax = from.x;
  const ay = from.y * aspect;
  const dx = to.x - ax;
  const dy = to.y * aspect - ay;
  const lengthSquared = dx * dx + dy * dy;
  const along =
    lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / lengthSquared));
  const cx = ax + along * dx - px;
  const cy = ay + along * dy - py;
  return cx * cx + cy * cy;
}

/** Whether an eraser at `point` with radius `radius` (a fraction of the
 * page width) touches `stroke` (its own half-width included). */
export function eraserTouches(stroke: StrokeRecord, point: InkPoint, radius: number, aspect = 1): boolean {
  const points = unpackPoints(stroke.points);
  const reach = radius + stroke.width / 2;
  const reachSquared = reach * reach;
  if (points.length === 1) {
    const only = points[0] as InkPoint;
    return segmentDistanceSquared(point, only, only, aspect) <= reachSquared;
  }
  for (let index = 1; index < points.length; index += 1) {
    if (
      segmentDistanceSquared(point, points[index - 1] as InkPoint, points[index] as InkPoint, aspect) <=
      reachSquared
    )
      return true;
  }
  return false;
}

/** The ids of the strokes of `candidates` that an eraser dragged along
 * `path` touches. */
export function strokesErasedBy(
  candidates: readonly StrokeRecord[],
  path: readonly InkPoint[],
  radius: number,
  aspect = 1,
): string[] {
  const samples = densify(path, radius);
  return candidates
    .filter((stroke) => samples.some((point) => eraserTouches(stroke, point, radius, aspect)))
    .map((stroke) => stroke.id);
}

/** The path with points added between samples further apart than
 * `spacing`, so a quick swipe of the eraser misses nothing it crossed. */
function densify(path: readonly InkPoint[], spacing: number): InkPoint[] {
  const dense: InkPoint[] = [];
  path.forEach((point, index) => {
    const previous = path[index - 1];
    if (previous && spacing > 0) {
      const steps = Math.ceil(Math.hypot(point.x - previous.x, point.y - previous.y) / spacing);
      for (let step = 1; step < steps; step += 1) {
        const along = step / steps;
        dense.push({
          x: previous.x + (point.x - previous.x) * along,
          y: previous.y + (point.y - previous.y) * along,
          pressure: point.pressure,
        });
      }
    }
    dense.push(point);
  });
  return dense;
}

/** The topmost stroke under `point` (the last drawn), for choosing one. */
export function strokeAt(
  candidates: readonly StrokeRecord[],
  point: InkPoint,
  radius: number,
  aspect = 1,
): StrokeRecord | null {
  for (let index = candidates.length - 1; index >= 0; index -= 1) {
    const stroke = candidates[index] as StrokeRecord;
    if (eraserTouches(stroke, point, radius, aspect)) return stroke;
  }
  return null;
}

// ---- Changes (inside `handle.change`, or on a plain object) ----

/** Adds a stroke at the end (drawn last, shown on top). */
export function addStroke(document: AnnotationDocument, stroke: StrokeRecord): void {
  document.strokes.push(withoutUndefined(stroke));
}

/** Removes the strokes with these ids; ids already gone are ignored (a
 * stroke erased on two devices at once is simply gone). */
export function removeStrokes(document: AnnotationDocument, ids: ReadonlySet<string>): number {
  let removed = 0;
  for (let index = document.strokes.length - 1; index >= 0; index -= 1) {
    const stroke = document.strokes[index];
    if (stroke && ids.has(stroke.id)) {
      document.strokes.splice(index, 1);
      removed += 1;
    }
  }
  return removed;
}

/** Adds or replaces a pinned note. */
export function putPinnedNote(document: AnnotationDocument, note: PinnedNote): void {
  document.notes[note.id] = withoutUndefined(note);
}

export function removeNote(document: AnnotationDocument, id: string): void {
  if (id in document.notes) delete document.notes[id];
}

/** The key of an agenda item's free-text note in `notes`. */
export function itemNoteKey(agendaItemId: string): string {
  return `item:${agendaItemId}`;
}

/** An agenda item's free-text note ('' when there is none). */
export function itemNoteText(
  document: Partial<AnnotationDocument> | undefined,
  agendaItemId: string,
): string {
  const note = document?.notes?.[itemNoteKey(agendaItemId)];
  return note?.kind === 'item' ? String(note.text) : '';
}

/** A stroke as it goes onto the shared layer: a new id (so the copy and
 * the private original are erased separately), who shared it, and which
 * private stroke it came from. */
export function sharedStrokeCopy(stroke: StrokeRecord, author: string, id: string): StrokeRecord {
  return { ...stroke, id, author, sharedFrom: stroke.id, points: new Uint8Array(stroke.points) };
}

export function sharedNoteCopy(note: PinnedNote, author: string, id: string): PinnedNote {
  return { ...note, id, author, sharedFrom: note.id };
}

/** Whether a private annotation already has a copy on the shared layer. */
export function isShared(shared: Partial<AnnotationDocument> | undefined, privateId: string): boolean {
  return (
    (shared?.strokes ?? []).some((stroke) => stroke.sharedFrom === privateId) ||
    Object.values(shared?.notes ?? {}).some((note) => note.kind === 'pin' && note.sharedFrom === privateId)
  );
}

/** Automerge refuses `undefined` values; optional fields left unset are
 * dropped instead. */
function withoutUndefined<Value extends object>(value: Value): Value {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Value;
}

/** Automerge's `updateText` (injected so this module stays free of
 * Automerge): turns the text at `path` into `text` by the smallest edit, so
 * two devices editing different parts of one note keep both edits. */
export type UpdateText = (document: AnnotationDocument, path: string[], text: string) => void;

/** Writes an agenda item's free-text note. */
export function writeItemNote(
  document: AnnotationDocument,
  agendaItemId: string,
  text: string,
  updateText: UpdateText,
): void {
  const key = itemNoteKey(agendaItemId);
  const existing = document.notes[key];
  if (existing?.kind === 'item') {
    updateText(document, ['notes', key, 'text'], text);
    return;
  }
  document.notes[key] = { kind: 'item', agendaItemId, text };
}
