import { describe, expect, it } from 'vitest';
import {
  addStroke,
  annotationsOnPage,
  eraserTouches,
  isShared,
  itemNoteKey,
  itemNoteText,
  newAnnotationId,
  packPoints,
  putPinnedNote,
  removeNote,
  removeStrokes,
  sharedNoteCopy,
  sharedStrokeCopy,
  strokeAt,
  strokesErasedBy,
  toolWidth,
  toPagePoint,
  unpackPoints,
  type AnnotationDocument,
  type InkPoint,
  type PinnedNote,
  type StrokeRecord,
} from './model';

const point = (x: number, y: number, pressure = 0.5): InkPoint => ({ x, y, pressure });

function stroke(id: string, points: InkPoint[], overrides: Partial<StrokeRecord> = {}): StrokeRecord {
  return {
    id,
    documentId: 'doc-1',
    page: 1,
    tool: 'pen',
    color: '#c62828',
    width: 0.004,
    points: packPoints(points),
    createdAt: 1_000,
    ...overrides,
  };
}

function pinnedNote(id: string, overrides: Partial<PinnedNote> = {}): PinnedNote {
  return {
    kind: 'pin',
    id,
    documentId: 'doc-1',
    page: 1,
    x: 0.5,
    y: 0.5,
    text: 'Hỏi lại số liệu',
    createdAt: 1_000,
    ...overrides,
  };
}

const emptyDocument = (): AnnotationDocument => ({ strokes: [], notes: {} });

describe('packPoints / unpackPoints', () => {
  it('keeps points to within 1/65535 of the page and pressure to 1/255', () => {
    const original = [point(0, 0, 0), point(0.123456, 0.654321, 0.5), point(1, 1, 1)];
    const bytes = packPoints(original);
    expect(bytes.byteLength).toBe(15);
    const unpacked = unpackPoints(bytes);
    unpacked.forEach((unpackedPoint, index) => {
      const expected = original[index] as InkPoint;
      expect(Math.abs(unpackedPoint.x - expected.x)).toBeLessThanOrEqual(1 / 65535);
      expect(Math.abs(unpackedPoint.y - expected.y)).toBeLessThanOrEqual(1 / 65535);
      expect(Math.abs(unpackedPoint.pressure - expected.pressure)).toBeLessThanOrEqual(1 / 255);
    });
  });

  it('clamps points outside the page onto its edge', () => {
    const [clamped] = unpackPoints(packPoints([point(-0.2, 1.7, 3)]));
    expect(clamped).toEqual({ x: 0, y: 1, pressure: 1 });
  });

  it('reads bytes that are a view into a larger buffer', () => {
    const packed = packPoints([point(0.25, 0.75)]);
    const larger = new Uint8Array(packed.byteLength + 3);
    larger.set(packed, 3);
    const [read] = unpackPoints(larger.subarray(3));
    expect(read?.x).toBeCloseTo(0.25, 4);
    expect(read?.y).toBeCloseTo(0.75, 4);
  });
});

describe('toPagePoint', () => {
  it('gives the same page point for the same spot at any zoom or scroll', () => {
    const atZoom1 = toPagePoint(300, 250, 0.5, { left: 100, top: 50, width: 800, height: 1000 });
    const atZoom2Scrolled = toPagePoint(300 * 2 - 700, 250 * 2 - 600, 0.5, {
      left: 200 - 700,
      top: 100 - 600,
      width: 1600,
      height: 2000,
    });
    expect(atZoom1).toEqual({ x: 0.25, y: 0.2, pressure: 0.5 });
    expect(atZoom2Scrolled.x).toBeCloseTo(atZoom1.x, 10);
    expect(atZoom2Scrolled.y).toBeCloseTo(atZoom1.y, 10);
  });
});

describe('toolWidth', () => {
  it('draws the highlighter wider than the pen', () => {
    expect(toolWidth('pen', 0.004)).toBe(0.004);
    expect(toolWidth('highlighter', 0.004)).toBe(0.016);
  });
});

describe('the eraser', () => {
  const horizontal = stroke('line', [point(0.1, 0.5), point(0.9, 0.5)]);

  it('touches a stroke along its segments, not only at its points', () => {
    expect(eraserTouches(horizontal, point(0.5, 0.505), 0.01)).toBe(true);
    expect(eraserTouches(horizontal, point(0.5, 0.6), 0.01)).toBe(false);
    expect(eraserTouches(horizontal, point(0.95, 0.5), 0.01)).toBe(false);
  });

  it('counts the stroke’s own thickness', () => {
    const thick = stroke('thick', [point(0.1, 0.5), point(0.9, 0.5)], { width: 0.1 });
    expect(eraserTouches(thick, point(0.5, 0.54), 0.001)).toBe(true);
  });

  it('touches a single dot', () => {
    const dot = stroke('dot', [point(0.3, 0.3)]);
    expect(eraserTouches(dot, point(0.305, 0.3), 0.01)).toBe(true);
  });

  it('removes every stroke an eraser path crosses, and only those', () => {
    const vertical = stroke('vertical', [point(0.2, 0.1), point(0.2, 0.9)]);
    const far = stroke('far', [point(0.8, 0.1), point(0.8, 0.2)]);
    const path = [point(0.15, 0.5), point(0.25, 0.5)];
    expect(strokesErasedBy([horizontal, vertical, far], path, 0.01)).toEqual(['line', 'vertical']);

    const document = emptyDocument();
    for (const each of [horizontal, vertical, far]) addStroke(document, each);
    expect(removeStrokes(document, new Set(['line', 'vertical', 'gone-already']))).toBe(2);
    expect(document.strokes.map((each) => each.id)).toEqual(['far']);
  });

  it('chooses the topmost stroke under a tap', () => {
    const below = stroke('below', [point(0.1, 0.5), point(0.9, 0.5)]);
    const above = stroke('above', [point(0.5, 0.1), point(0.5, 0.9)]);
    expect(strokeAt([below, above], point(0.5, 0.5), 0.01)?.id).toBe('above');
    expect(strokeAt([below, above], point(0.9, 0.9), 0.01)).toBeNull();
  });
});

describe('annotationsOnPage', () => {
  it('keeps one page of one document, notes oldest first', () => {
    const document = emptyDocument();
    addStroke(document, stroke('here', [point(0.1, 0.1)]));
    addStroke(document, stroke('other-page', [point(0.1, 0.1)], { page: 2 }));
    addStroke(document, stroke('other-document', [point(0.1, 0.1)], { documentId: 'doc-2' }));
    putPinnedNote(document, pinnedNote('late', { createdAt: 3_000 }));
    putPinnedNote(document, pinnedNote('early', { createdAt: 2_000 }));
    putPinnedNote(document, pinnedNote('elsewhere', { page: 3 }));
    document.notes[itemNoteKey('item-1')] = { kind: 'item', agendaItemId: 'item-1', text: 'x' };
    const page = annotationsOnPage(document, 'doc-1', 1);
    expect(page.strokes.map((each) => each.id)).toEqual(['here']);
    expect(page.notes.map((each) => each.id)).toEqual(['early', 'late']);
  });

  it('accepts a document that is not loaded yet', () => {
    expect(annotationsOnPage(undefined, 'doc-1', 1)).toEqual({ strokes: [], notes: [] });
    expect(annotationsOnPage({}, 'doc-1', 1)).toEqual({ strokes: [], notes: [] });
  });
});

describe('notes', () => {
  it('pins, replaces and removes a note', () => {
    const document = emptyDocument();
    putPinnedNote(document, pinnedNote('n1'));
    putPinnedNote(document, pinnedNote('n1', { text: 'Sửa lại' }));
    expect(annotationsOnPage(document, 'doc-1', 1).notes.map((note) => note.text)).toEqual(['Sửa lại']);
    removeNote(document, 'n1');
    removeNote(document, 'never-there');
    expect(document.notes).toEqual({});
  });

  it('reads an agenda item’s note, empty when there is none', () => {
    const document = emptyDocument();
    expect(itemNoteText(document, 'item-1')).toBe('');
    document.notes[itemNoteKey('item-1')] = { kind: 'item', agendaItemId: 'item-1', text: 'Ý kiến: đồng ý' };
    expect(itemNoteText(document, 'item-1')).toBe('Ý kiến: đồng ý');
    expect(itemNoteText(document, 'item-2')).toBe('');
  });
});

describe('sharing', () => {
  it('copies a stroke with a new id, its author and where it came from', () => {
    const original = stroke('private-1', [point(0.1, 0.1), point(0.2, 0.2)]);
    const copy = sharedStrokeCopy(original, 'Đại biểu 01', 'shared-1');
    expect(copy).toMatchObject({ id: 'shared-1', author: 'Đại biểu 01', sharedFrom: 'private-1', page: 1 });
    expect(unpackPoints(copy.points)).toEqual(unpackPoints(original.points));
    expect(copy.points).not.toBe(original.points);
    const layer = emptyDocument();
    expect(isShared(layer, 'private-1')).toBe(false);
    addStroke(layer, copy);
    expect(isShared(layer, 'private-1')).toBe(true);
  });

  it('copies a pinned note', () => {
    const layer = emptyDocument();
    putPinnedNote(layer, sharedNoteCopy(pinnedNote('private-note'), 'Đại biểu 02', 'shared-note'));
    expect(layer.notes['shared-note']).toMatchObject({ sharedFrom: 'private-note', author: 'Đại biểu 02' });
    expect(isShared(layer, 'private-note')).toBe(true);
  });

  it('stores no undefined field (Automerge refuses them)', () => {
    const document = emptyDocument();
    addStroke(document, { ...stroke('s', [point(0, 0)]), author: undefined } as unknown as StrokeRecord);
    expect('author' in (document.strokes[0] as object)).toBe(false);
  });
});

describe('newAnnotationId', () => {
  it('is 32 hex characters from the random source', () => {
    const id = newAnnotationId((bytes) => bytes.fill(171));
    expect(id).toBe('ab'.repeat(16));
    expect(newAnnotationId()).not.toBe(newAnnotationId());
  });
});
