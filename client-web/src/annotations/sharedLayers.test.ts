import { describe, expect, it } from 'vitest';
import type { Meeting, SyncDocument } from '../api/types';
import { packPoints, type AnnotationDocument, type PinnedNote, type StrokeRecord } from './model';
import {
  hiddenKey,
  hiddenKeys,
  sharedLayerEntries,
  sharedOnPage,
  type OpenedSharedLayer,
} from './sharedLayers';

function stroke(id: string, createdAt: number, overrides: Partial<StrokeRecord> = {}): StrokeRecord {
  return {
    id,
    documentId: 'doc-1',
    page: 1,
    tool: 'pen',
    color: '#c62828',
    width: 0.004,
    points: packPoints([{ x: 0.1, y: 0.1, pressure: 0.5 }]),
    createdAt,
    ...overrides,
  };
}

function note(id: string, createdAt: number, overrides: Partial<PinnedNote> = {}): PinnedNote {
  return { kind: 'pin', id, documentId: 'doc-1', page: 1, x: 0.5, y: 0.5, text: id, createdAt, ...overrides };
}

function layer(
  url: string,
  ownerName: string | null,
  strokes: StrokeRecord[],
  notes: PinnedNote[] = [],
): OpenedSharedLayer {
  const document: AnnotationDocument = {
    strokes,
    notes: Object.fromEntries(notes.map((each) => [each.id, each])),
  };
  return { url, ownerName, document };
}

function entry(overrides: Partial<SyncDocument>): SyncDocument {
  return {
    kind: 'shared_layer',
    url: 'automerge:x',
    access: 'read',
    document_id: 'doc-1',
    owner_user_id: null,
    owner_name: null,
    ...overrides,
  };
}

describe('sharedLayerEntries', () => {
  const meeting = {
    sync_documents: [
      entry({
        kind: 'notebook',
        url: 'automerge:notebook',
        access: 'write',
        document_id: null,
        owner_user_id: 'u_a',
      }),
      entry({ url: 'automerge:a1', access: 'write', owner_user_id: 'u_a', owner_name: 'An' }),
      entry({ url: 'automerge:b1', owner_user_id: 'u_b', owner_name: 'Bình' }),
      entry({ url: 'automerge:old' }),
      entry({ url: 'automerge:a2', access: 'write', owner_user_id: 'u_a', document_id: 'doc-2' }),
    ],
  } as unknown as Meeting;

  it("finds the user's own layer of the document and every layer to show", () => {
    const entries = sharedLayerEntries(meeting, 'doc-1', 'u_a');
    expect(entries.own?.url).toBe('automerge:a1');
    expect(entries.all.map((each) => each.url)).toEqual(['automerge:a1', 'automerge:b1', 'automerge:old']);
  });

  it('gives no own layer to a user who may not write theirs (a closed meeting, another user)', () => {
    expect(sharedLayerEntries(meeting, 'doc-1', 'u_b').own).toBeUndefined();
    expect(sharedLayerEntries(meeting, 'doc-1', 'u_c').own).toBeUndefined();
  });
});

describe('sharedOnPage', () => {
  it("names every record after its layer's owner, never the name it carries", () => {
    const layers = [
      layer('automerge:a', 'Nguyễn Văn An', [stroke('s-a', 2)]),
      // B wrote A's name into a stroke and a note of B's own layer.
      layer(
        'automerge:b',
        'Trần Thị Bình',
        [stroke('s-b', 1, { author: 'Nguyễn Văn An' })],
        [note('n-b', 1, { author: 'Nguyễn Văn An' })],
      ),
    ];
    const page = sharedOnPage(layers, 'doc-1', 1);
    expect(page.strokes.map((each) => [each.id, each.author])).toEqual([
      ['s-b', 'Trần Thị Bình'],
      ['s-a', 'Nguyễn Văn An'],
    ]);
    expect(page.notes.map((each) => [each.id, each.author])).toEqual([['n-b', 'Trần Thị Bình']]);
  });

  it('shows an old layer without a name, whatever its records say', () => {
    const page = sharedOnPage(
      [layer('automerge:old', null, [stroke('s', 1, { author: 'Chủ tịch' })])],
      'doc-1',
      1,
    );
    expect(page.strokes[0]?.author).toBe('');
  });

  it('merges the layers in drawing order, for one page and one version only', () => {
    const layers = [
      layer('automerge:a', 'An', [stroke('a1', 1), stroke('a3', 3), stroke('a-p2', 2, { page: 2 })]),
      layer('automerge:b', 'Bình', [stroke('b2', 2), stroke('b-v2', 4, { version: 2 })]),
    ];
    expect(sharedOnPage(layers, 'doc-1', 1, 1).strokes.map((each) => each.id)).toEqual(['a1', 'b2', 'a3']);
    expect(sharedOnPage(layers, 'doc-1', 1, 2).strokes.map((each) => each.id)).toEqual(['b-v2']);
    expect(sharedOnPage(layers, 'doc-2', 1).strokes).toEqual([]);
  });

  it('leaves out what the chair or secretary hid, by layer and id', () => {
    const layers = [
      layer('automerge:a', 'An', [stroke('same', 1)], [note('n', 1)]),
      layer('automerge:b', 'Bình', [stroke('same', 2)]),
    ];
    const hidden = hiddenKeys({
      hidden_annotations: [
        { layer_url: 'automerge:a', annotation_id: 'same' },
        { layer_url: 'automerge:a', annotation_id: 'n' },
      ],
    });
    expect(hidden.has(hiddenKey('automerge:a', 'same'))).toBe(true);
    const page = sharedOnPage(layers, 'doc-1', 1, undefined, hidden);
    expect(page.strokes.map((each) => each.author)).toEqual(['Bình']);
    expect(page.notes).toEqual([]);
  });

  it('keeps hidden records, marked, for the chair and the secretary, who may show them again', () => {
    const layers = [layer('automerge:a', 'An', [stroke('s', 1)], [note('n', 1)])];
    const hidden = new Set([hiddenKey('automerge:a', 's')]);
    const page = sharedOnPage(layers, 'doc-1', 1, undefined, hidden, true);
    expect(page.strokes.map((each) => [each.id, each.hidden, each.layerUrl])).toEqual([
      ['s', true, 'automerge:a'],
    ]);
    expect(page.notes.map((each) => [each.id, each.hidden])).toEqual([['n', false]]);
  });

  it('tolerates a layer not loaded yet', () => {
    expect(sharedOnPage([{ url: 'automerge:a', ownerName: 'An', document: undefined }], 'doc-1', 1)).toEqual({
      strokes: [],
      notes: [],
    });
  });
});
