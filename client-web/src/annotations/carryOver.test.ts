// The carry-over of annotations to a new version: the same cases as the
// server's `carry_over.rs` tests (the two modules mirror each other), and
// the records of a real Automerge notebook carried in place, twice and on
// two devices, without a copy.

import * as Automerge from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import {
  applyCarryOver,
  carryOver,
  countOnEarlierVersions,
  groupLines,
  maxAnchorDistance,
  minAnchorChars,
  normalizeText,
  pageMap,
  planCarryOver,
  type TextLine,
  type VersionPages,
} from './carryOver';
import {
  addStroke,
  annotationsOnPage,
  packPoints,
  putPinnedNote,
  type AnnotationDocument,
  type PinnedNote,
  type StrokeRecord,
} from './model';

const line = (text: string, y: number, x = 0.1): TextLine => ({ text: normalizeText(text), x, y });

interface Page {
  fingerprint: string | null;
  lines: TextLine[];
}
const page = (fingerprint: string, lines: TextLine[]): Page => ({ fingerprint, lines });
const version = (pages: Page[]): VersionPages => ({
  fingerprints: pages.map((each) => each.fingerprint),
  lines: pages.map((each) => each.lines),
});

/** Three pages: a title page, the budget, the conclusions. */
function versionOne(): Page[] {
  return [
    page('title', [line('Báo cáo tổng kết năm 2025', 0.1)]),
    page('budget', [line('Dự toán ngân sách xã', 0.2), line('Chi thường xuyên 12 tỷ đồng', 0.3)]),
    page('conclusions', [line('Kết luận của chủ tịch', 0.5), line('1.', 0.6)]),
  ];
}

describe('carryOver (mirrors server/src/carry_over.rs)', () => {
  it('keeps the constants equal to the server', () => {
    expect(minAnchorChars).toBe(8);
    expect(maxAnchorDistance).toBe(0.04);
  });

  it('carries ink on an unchanged page to the same page', () => {
    const old = versionOne();
    const fresh = versionOne();
    fresh[1] = page('budget v2', [line('Dự toán ngân sách huyện', 0.2)]);
    expect(
      carryOver(version(old), version(fresh), [
        { kind: 'stroke', page: 1 },
        { kind: 'stroke', page: 3 },
      ]),
    ).toEqual([
      { kind: 'same_place', page: 1 },
      { kind: 'same_place', page: 3 },
    ]);
  });

  it('moves ink and notes with a page that moved', () => {
    const old = versionOne();
    // A new page 2 pushes the budget to page 3 and the conclusions to 4.
    const fresh = versionOne();
    fresh.splice(1, 0, page('inserted', [line('Phụ lục mới', 0.1)]));
    expect(
      carryOver(version(old), version(fresh), [
        { kind: 'stroke', page: 2 },
        { kind: 'note', page: 3, x: 0.7, y: 0.5 },
      ]),
    ).toEqual([
      { kind: 'same_place', page: 3 },
      { kind: 'same_place', page: 4 },
    ]);
  });

  it('keeps ink on a changed page on the old version', () => {
    const old = versionOne();
    const fresh = versionOne();
    fresh[1] = page('budget v2', [
      line('Dự toán ngân sách xã', 0.2),
      line('Chi thường xuyên 14 tỷ đồng', 0.3),
    ]);
    expect(carryOver(version(old), version(fresh), [{ kind: 'stroke', page: 2 }])).toEqual([
      { kind: 'stays' },
    ]);
  });

  it('keeps anything on a removed page on the old version', () => {
    const old = versionOne();
    const fresh = versionOne();
    fresh.splice(2, 1);
    expect(
      carryOver(version(old), version(fresh), [
        { kind: 'stroke', page: 3 },
        { kind: 'note', page: 3, x: 0.5, y: 0.5 },
        // A page the old version never had.
        { kind: 'stroke', page: 9 },
      ]),
    ).toEqual([{ kind: 'stays' }, { kind: 'stays' }, { kind: 'stays' }]);
  });

  it('moves a note on a changed page with its line to where the line went', () => {
    const old = versionOne();
    const fresh = versionOne();
    // The budget page changed: the note's line moved onto the next page's top.
    fresh[1] = page('budget v2', [line('Dự toán ngân sách xã (sửa đổi)', 0.2)]);
    fresh[2] = page('conclusions v2', [
      line('Chi thường xuyên 12 tỷ đồng', 0.1, 0.15),
      line('Kết luận của chủ tịch', 0.5),
    ]);
    const [placement] = carryOver(version(old), version(fresh), [{ kind: 'note', page: 2, x: 0.8, y: 0.31 }]);
    expect(placement?.kind).toBe('moved');
    if (placement?.kind !== 'moved') return;
    expect(placement.page).toBe(3);
    expect(placement.x).toBeCloseTo(0.85, 9);
    expect(placement.y).toBeCloseTo(0.11, 9);
  });

  it('keeps a note whose line is gone, short, far, ambiguous or unknown', () => {
    const old = versionOne();
    const fresh = versionOne();
    fresh[1] = page('budget v2', [line('Chi thường xuyên 14 tỷ đồng', 0.3)]);
    fresh[2] = page('conclusions v2', [line('1.', 0.6)]);
    const note = (onPage: number, y: number) => ({ kind: 'note' as const, page: onPage, x: 0.5, y });
    // Gone (the amount changed), too short ("1."), too far from any line.
    expect(carryOver(version(old), version(fresh), [note(2, 0.3), note(3, 0.6), note(2, 0.9)])).toEqual([
      { kind: 'stays' },
      { kind: 'stays' },
      { kind: 'stays' },
    ]);
    // Twice in the new version: which one is meant cannot be known.
    const twice = versionOne();
    twice[1] = page('budget v3', [
      line('Chi thường xuyên 12 tỷ đồng', 0.3),
      line('Chi thường xuyên 12 tỷ đồng', 0.7),
    ]);
    expect(carryOver(version(old), version(twice), [note(2, 0.3)])).toEqual([{ kind: 'stays' }]);
    // Without the lines of both versions (a PDF this device cannot read),
    // a note on a changed page stays too.
    const moved = versionOne();
    moved[1] = page('budget v2', [line('Chi thường xuyên 12 tỷ đồng', 0.5)]);
    expect(carryOver(version(old), version(moved), [note(2, 0.3)])[0]?.kind).toBe('moved');
    expect(carryOver({ fingerprints: version(old).fingerprints }, version(moved), [note(2, 0.3)])).toEqual([
      { kind: 'stays' },
    ]);
  });

  it('pairs identical pages in order, and an unreadable page with nothing', () => {
    // Two blank pages before; one blank page and then a new one after.
    expect(pageMap(['blank', 'a', 'blank'], ['a', 'blank', 'new'])).toEqual([1, 0, null]);
    expect(pageMap([null], [null])).toEqual([null]);
    // Duplicate fingerprints: two copies of one page both carried, each
    // onto its own copy.
    expect(
      carryOver({ fingerprints: ['x', 'x'] }, { fingerprints: ['new', 'x', 'x'] }, [
        { kind: 'stroke', page: 1 },
        { kind: 'stroke', page: 2 },
      ]),
    ).toEqual([
      { kind: 'same_place', page: 2 },
      { kind: 'same_place', page: 3 },
    ]);
  });
});

describe('groupLines (the server page_text grouping over pdf.js items)', () => {
  it('joins runs on one baseline left to right, lines top to bottom, in page fractions', () => {
    const box = [0, 0, 600, 800] as const;
    const lines = groupLines(
      [
        { text: 'ngân sách', x: 200, y: 700.5, fontSize: 12 },
        { text: 'Dự toán ', x: 60, y: 700, fontSize: 12 },
        { text: 'Kết luận', x: 60, y: 400, fontSize: 12 },
        { text: '   ', x: 60, y: 100, fontSize: 12 },
      ],
      box,
    );
    expect(lines).toEqual([
      { text: 'dựtoánngânsách', x: 0.1, y: 0.125 },
      { text: 'kếtluận', x: 0.1, y: 0.5 },
    ]);
  });

  it('normalizes like the server: NFKC, lowercase, no whitespace', () => {
    // "ﬁ" is one ligature character; NFKC makes it "fi".
    expect(normalizeText(' Tổng  KẾT\tﬁle\n')).toBe('tổngkếtfile');
  });
});

// ---- Records in a real Automerge notebook ----

function stroke(id: string, onPage: number, version?: number): StrokeRecord {
  return {
    id,
    documentId: 'doc-1',
    page: onPage,
    tool: 'pen',
    color: '#1f2328',
    width: 0.004,
    points: packPoints([
      { x: 0.2, y: 0.2, pressure: 0.5 },
      { x: 0.4, y: 0.3, pressure: 0.5 },
    ]),
    createdAt: 1_000,
    ...(version === undefined ? {} : { version }),
  };
}

function pin(id: string, onPage: number, y: number): PinnedNote {
  return { kind: 'pin', id, documentId: 'doc-1', page: onPage, x: 0.8, y, text: 'hỏi lại', createdAt: 2_000 };
}

describe('planCarryOver and applyCarryOver', () => {
  const versions = (): Map<number, VersionPages> => {
    const fresh = versionOne();
    fresh[1] = page('budget v2', [
      line('Thêm một dòng ở đầu', 0.1),
      line('Chi thường xuyên 12 tỷ đồng', 0.5),
    ]);
    return new Map([
      [1, version(versionOne())],
      [2, version(fresh)],
    ]);
  };

  function notebook(): Automerge.Doc<AnnotationDocument> {
    return Automerge.change(Automerge.from<AnnotationDocument>({ strokes: [], notes: {} }), (document) => {
      // Drawn before records carried a version: version 1.
      addStroke(document, stroke('on-title', 1));
      addStroke(document, stroke('on-budget', 2, 1));
      addStroke(document, { ...stroke('other-document', 2), documentId: 'doc-2' });
      putPinnedNote(document, pin('note-budget', 2, 0.31));
    });
  }

  it('updates records in place: the unchanged page carried, the note moved, the changed page kept', () => {
    const plan = planCarryOver(notebook(), 'doc-1', 2, versions());
    expect(plan.staying).toBe(1);
    const carried = Automerge.change(notebook(), (document) => void applyCarryOver(document, plan, 2));
    expect(carried.strokes.map((each) => [each.id, each.page, each.version])).toEqual([
      ['on-title', 1, 2],
      ['on-budget', 2, 1],
      ['other-document', 2, undefined],
    ]);
    const note = carried.notes['note-budget'] as PinnedNote;
    expect([note.page, note.version]).toEqual([2, 2]);
    expect(note.y).toBeCloseTo(0.51, 9);
    expect(annotationsOnPage(carried, 'doc-1', 1, 2).strokes.map((each) => each.id)).toEqual(['on-title']);
    expect(annotationsOnPage(carried, 'doc-1', 2, 2).strokes).toEqual([]);
    expect(annotationsOnPage(carried, 'doc-1', 2, 1).strokes.map((each) => each.id)).toEqual(['on-budget']);
    expect(countOnEarlierVersions(carried, 'doc-1', 2)).toBe(1);
  });

  it('is idempotent: twice, or on two devices of one user, never a copy', () => {
    const start = notebook();
    const once = Automerge.change(start, (document) => {
      applyCarryOver(document, planCarryOver(start, 'doc-1', 2, versions()), 2);
    });
    // Again on the same device: nothing left to carry.
    const plan = planCarryOver(once, 'doc-1', 2, versions());
    expect(plan.carried).toEqual([]);
    expect(plan.staying).toBe(1);
    // Two tablets of the same delegate carry at the same time, then merge.
    const tabletA = Automerge.change(Automerge.clone(start), (document) => {
      applyCarryOver(document, planCarryOver(start, 'doc-1', 2, versions()), 2);
    });
    const tabletB = Automerge.change(Automerge.clone(start), (document) => {
      applyCarryOver(document, planCarryOver(start, 'doc-1', 2, versions()), 2);
    });
    const merged = Automerge.merge(Automerge.clone(tabletA), tabletB);
    expect(merged.strokes.map((each) => each.id)).toEqual(['on-title', 'on-budget', 'other-document']);
    expect(Object.keys(merged.notes)).toEqual(['note-budget']);
    expect(merged.strokes[0]?.version).toBe(2);
    expect(countOnEarlierVersions(merged, 'doc-1', 2)).toBe(1);
  });

  it('decides a record left on version 1 against version 3 directly, and waits for unknown versions', () => {
    const third = versionOne();
    third[0] = page('title v3', [line('Báo cáo tổng kết năm 2026', 0.1)]);
    const known = versions();
    known.set(3, version(third));
    const plan = planCarryOver(notebook(), 'doc-1', 3, known);
    // The budget page is the same in 3 as in 1: carried; the title changed.
    expect(plan.carried.map((each) => [each.id, each.page])).toEqual([
      ['on-budget', 2],
      ['note-budget', 2],
    ]);
    expect(plan.staying).toBe(1);
    const unknown = planCarryOver(notebook(), 'doc-1', 3, new Map([[3, version(third)]]));
    expect(unknown).toEqual({ carried: [], staying: 3, missingVersions: [1] });
  });
});
