// The notebook and shared-layer shapes under real Automerge: what two
// devices (a tablet offline, and the same delegate's other device or a
// colleague) write at the same time merges without losing anything.

import * as Automerge from '@automerge/automerge';
import { describe, expect, it } from 'vitest';
import {
  addStroke,
  annotationsOnPage,
  itemNoteText,
  packPoints,
  putPinnedNote,
  removeStrokes,
  sharedStrokeCopy,
  unpackPoints,
  writeItemNote,
  type AnnotationDocument,
  type StrokeRecord,
  type UpdateText,
} from './model';

/** The document as the server seeds it (`annotation_document`). */
function seededByServer(): Automerge.Doc<AnnotationDocument> {
  return Automerge.from<AnnotationDocument>({ strokes: [], notes: {} });
}

const updateText: UpdateText = (document, path, text) =>
  Automerge.updateText(document as unknown as Automerge.Doc<unknown>, path, text);

function stroke(id: string, x: number): StrokeRecord {
  return {
    id,
    documentId: 'doc-1',
    page: 1,
    tool: 'pen',
    color: '#1f2328',
    width: 0.004,
    points: packPoints([
      { x, y: 0.1, pressure: 0.5 },
      { x, y: 0.9, pressure: 0.7 },
    ]),
    createdAt: 1_000,
  };
}

describe('a notebook synced between two devices', () => {
  it('keeps strokes and notes both devices wrote concurrently', () => {
    const server = seededByServer();
    let tablet = Automerge.clone(server);
    let otherDevice = Automerge.clone(server);

    tablet = Automerge.change(tablet, (document) => {
      addStroke(document, stroke('from-tablet', 0.2));
      putPinnedNote(document, {
        kind: 'pin',
        id: 'note-tablet',
        documentId: 'doc-1',
        page: 1,
        x: 0.3,
        y: 0.4,
        text: 'Số liệu quý III?',
        createdAt: 2_000,
      });
    });
    otherDevice = Automerge.change(otherDevice, (document) => {
      addStroke(document, stroke('from-other', 0.6));
      writeItemNote(document, 'item-1', 'Đề nghị bổ sung kinh phí', updateText);
    });

    const mergedOnTablet = Automerge.merge(Automerge.clone(tablet), otherDevice);
    const mergedOnOther = Automerge.merge(Automerge.clone(otherDevice), tablet);
    for (const merged of [mergedOnTablet, mergedOnOther]) {
      const page = annotationsOnPage(merged, 'doc-1', 1);
      expect(page.strokes.map((each) => each.id).sort()).toEqual(['from-other', 'from-tablet']);
      expect(page.notes.map((each) => each.text)).toEqual(['Số liệu quý III?']);
      expect(itemNoteText(merged, 'item-1')).toBe('Đề nghị bổ sung kinh phí');
    }
    expect(Automerge.getHeads(mergedOnTablet).sort()).toEqual(Automerge.getHeads(mergedOnOther).sort());
  });

  it('keeps a stroke’s points exactly through save and load (the IndexedDB copy)', () => {
    const original = stroke('kept', 0.42);
    const saved = Automerge.save(
      Automerge.change(seededByServer(), (document) => addStroke(document, original)),
    );
    const loaded = Automerge.load<AnnotationDocument>(saved);
    const [reloaded] = loaded.strokes;
    expect(reloaded?.id).toBe('kept');
    expect(unpackPoints(reloaded?.points ?? new Uint8Array())).toEqual(unpackPoints(original.points));
  });

  it('erases a stroke erased on one device while the other adds one', () => {
    const base = Automerge.change(seededByServer(), (document) => {
      addStroke(document, stroke('old', 0.1));
    });
    const erasedHere = Automerge.change(Automerge.clone(base), (document) => {
      removeStrokes(document, new Set(['old']));
    });
    const addedThere = Automerge.change(Automerge.clone(base), (document) => {
      addStroke(document, stroke('new', 0.5));
    });
    const erasedOnBoth = Automerge.change(Automerge.clone(base), (document) => {
      removeStrokes(document, new Set(['old']));
    });
    const merged = Automerge.merge(Automerge.merge(Automerge.clone(erasedHere), addedThere), erasedOnBoth);
    expect(merged.strokes.map((each) => each.id)).toEqual(['new']);
  });

  it('merges two devices’ edits to one agenda item’s note', () => {
    const base = Automerge.change(seededByServer(), (document) => {
      writeItemNote(document, 'item-1', 'Ý kiến: đồng ý.', updateText);
    });
    const tablet = Automerge.change(Automerge.clone(base), (document) => {
      writeItemNote(document, 'item-1', 'Ý kiến: đồng ý. Cần thêm thời gian.', updateText);
    });
    const laptop = Automerge.change(Automerge.clone(base), (document) => {
      writeItemNote(document, 'item-1', 'Tóm tắt. Ý kiến: đồng ý.', updateText);
    });
    const merged = Automerge.merge(Automerge.clone(tablet), laptop);
    expect(itemNoteText(merged, 'item-1')).toBe('Tóm tắt. Ý kiến: đồng ý. Cần thêm thời gian.');
  });

  it('shares into a layer that two delegates write at once', () => {
    const layer = seededByServer();
    const privateStroke = stroke('private', 0.3);
    const delegateA = Automerge.change(Automerge.clone(layer), (document) => {
      addStroke(document, sharedStrokeCopy(privateStroke, 'Đại biểu 01', 'shared-a'));
    });
    const delegateB = Automerge.change(Automerge.clone(layer), (document) => {
      addStroke(document, sharedStrokeCopy(stroke('other', 0.7), 'Đại biểu 02', 'shared-b'));
    });
    const merged = Automerge.merge(Automerge.clone(delegateA), delegateB);
    expect(merged.strokes.map((each) => each.author).sort()).toEqual(['Đại biểu 01', 'Đại biểu 02']);
  });
});
