import { describe, expect, it } from 'vitest';
import type { AgendaItem, DocumentInfo, Meeting } from '../api/types';
import { translate } from '../i18n/i18n';
import {
  agendaChanges,
  changedDocumentIds,
  changedItemIds,
  describeChange,
  noticeParts,
} from './agendaChanges';
import { standardRules } from './rules';

function document(id: string, version = 1, extra: Partial<DocumentInfo> = {}): DocumentInfo {
  return {
    id,
    title: `Tài liệu ${id}`,
    file_name: `${id}.pdf`,
    page_count: 10,
    size_bytes: 1000,
    sha256: `${id}-v${version}`,
    confidential: false,
    version,
    url: `/api/v1/documents/${id}/versions/${version}/file`,
    versions: [],
    ...extra,
  };
}

function item(id: string, position: number, extra: Partial<AgendaItem> = {}): AgendaItem {
  return {
    id,
    parent_id: null,
    position,
    title: `Mục ${id}`,
    presenter: null,
    duration_minutes: null,
    updated: false,
    documents: [],
    ...extra,
  };
}

function meeting(agenda: AgendaItem[]): Meeting {
  return {
    id: 'm1',
    title: 'Họp giao ban',
    starts_at: '2026-12-07T08:00:00+07:00',
    place: 'Phòng họp 1',
    state: 'published',
    my_role: 'delegate',
    video_link: null,
    rules: standardRules,
    agenda,
    sync_documents: [],
    hidden_annotations: [],
  };
}

const five = () => [item('a', 0), item('b', 1), item('c', 2), item('d', 3), item('e', 4)];

describe('agendaChanges', () => {
  it('finds nothing between two equal meetings', () => {
    expect(agendaChanges(meeting(five()), meeting(five()))).toEqual([]);
  });

  it('names an added item by the number the delegate reads', () => {
    const changes = agendaChanges(meeting(five()), meeting([...five(), item('f', 5)]));
    expect(changes).toEqual([{ kind: 'item_added', itemId: 'f', number: '6', title: 'Mục f' }]);
    expect(changedItemIds(changes)).toEqual(['f']);
  });

  it('does not call the items after an inserted one moved', () => {
    const after = [item('a', 0), item('new', 1), item('b', 2), item('c', 3), item('d', 4), item('e', 5)];
    expect(agendaChanges(meeting(five()), meeting(after)).map((change) => change.kind)).toEqual([
      'item_added',
    ]);
  });

  it('names a removed item by its title and marks nothing for it', () => {
    const changes = agendaChanges(meeting(five()), meeting(five().filter((i) => i.id !== 'c')));
    expect(changes).toEqual([{ kind: 'item_removed', itemId: 'c', title: 'Mục c' }]);
    expect(changedItemIds(changes)).toEqual([]);
  });

  it('finds a rename and a new presenter', () => {
    const after = five();
    after[1] = item('b', 1, { title: 'Báo cáo mới', presenter: 'Ông Nam' });
    expect(agendaChanges(meeting(five()), meeting(after))).toEqual([
      { kind: 'item_renamed', itemId: 'b', number: '2', title: 'Báo cáo mới', previousTitle: 'Mục b' },
      { kind: 'item_details', itemId: 'b', number: '2', title: 'Báo cáo mới' },
    ]);
  });

  it('calls only the item that was dragged moved, not the ones it passed', () => {
    // e dragged to the top: a..d keep their relative order.
    const after = [item('e', 0), item('a', 1), item('b', 2), item('c', 3), item('d', 4)];
    expect(agendaChanges(meeting(five()), meeting(after))).toEqual([
      { kind: 'item_moved', itemId: 'e', number: '1', title: 'Mục e', previousNumber: '5' },
    ]);
  });

  it('finds an item moved under another item', () => {
    const after = [item('a', 0), item('b', 1), item('c', 0, { parent_id: 'b' }), item('d', 2), item('e', 3)];
    expect(agendaChanges(meeting(five()), meeting(after))).toEqual([
      { kind: 'item_moved', itemId: 'c', number: '2.1', title: 'Mục c', previousNumber: '3' },
    ]);
  });

  it('finds documents added, replaced, made confidential and removed', () => {
    const before = five();
    before[0] = item('a', 0, { documents: [document('x'), document('y')] });
    before[1] = item('b', 1, { documents: [document('z')] });
    const after = five();
    after[0] = item('a', 0, { documents: [document('x', 2, { page_count: 12 }), document('w')] });
    after[1] = item('b', 1, { documents: [document('z', 1, { confidential: true })] });
    const changes = agendaChanges(meeting(before), meeting(after));
    expect(changes).toEqual([
      {
        kind: 'document_replaced',
        itemId: 'a',
        documentId: 'x',
        title: 'Tài liệu x',
        version: 2,
        pageCount: 12,
      },
      { kind: 'document_added', itemId: 'a', documentId: 'w', title: 'Tài liệu w' },
      {
        kind: 'document_confidential',
        itemId: 'b',
        documentId: 'z',
        title: 'Tài liệu z',
        confidential: true,
      },
      { kind: 'document_removed', itemId: 'a', documentId: 'y', title: 'Tài liệu y' },
    ]);
    expect(changedItemIds(changes)).toEqual(['a', 'b']);
    expect(changedDocumentIds(changes)).toEqual(['x', 'w', 'z']);
  });

  it('a document that left with its item belongs to no item on screen', () => {
    const before = [item('a', 0, { documents: [document('x')] }), item('b', 1)];
    const changes = agendaChanges(meeting(before), meeting([item('b', 0)]));
    expect(changes).toEqual([
      { kind: 'item_removed', itemId: 'a', title: 'Mục a' },
      { kind: 'document_removed', itemId: null, documentId: 'x', title: 'Tài liệu x' },
    ]);
  });

  it('a document moved to another item is neither added nor removed', () => {
    const before = [item('a', 0, { documents: [document('x')] }), item('b', 1)];
    const after = [item('a', 0), item('b', 1, { documents: [document('x')] })];
    expect(agendaChanges(meeting(before), meeting(after))).toEqual([]);
  });

  it('finds a change of place or time', () => {
    expect(agendaChanges(meeting(five()), { ...meeting(five()), place: 'Hội trường' })).toEqual([
      { kind: 'meeting_details' },
    ]);
  });
});

describe('the notice', () => {
  it('reads as the issue asks, in Vietnamese and English', () => {
    const before = [item('a', 0, { documents: [document('x')] }), ...five().slice(1)];
    const after = [item('a', 0, { documents: [document('x', 2)] }), ...five().slice(1), item('f', 5)];
    const { phrases, more } = noticeParts(agendaChanges(meeting(before), meeting(after)));
    expect(more).toBe(0);
    const say = (language: 'vi' | 'en') =>
      phrases.map((phrase) => translate(language, phrase.key, phrase.params)).join('; ');
    expect(say('vi')).toBe('tài liệu Tài liệu x có phiên bản mới (bản 2); thêm mục 6');
    expect(say('en')).toBe('document Tài liệu x has a new version (version 2); item 6 added');
  });

  it('lists four changes and counts the rest', () => {
    const after = [...five(), item('f', 5), item('g', 6), item('h', 7), item('i', 8), item('j', 9)];
    const { phrases, more } = noticeParts(agendaChanges(meeting(five()), meeting(after)));
    expect(phrases).toHaveLength(4);
    expect(more).toBe(1);
  });

  it('every kind of change has words', () => {
    expect(describeChange({ kind: 'meeting_details' }).key).toBe('changes.meetingDetails');
    expect(
      describeChange({
        kind: 'document_confidential',
        itemId: 'a',
        documentId: 'x',
        title: 'X',
        confidential: false,
      }).key,
    ).toBe('changes.documentNotConfidential');
  });
});
