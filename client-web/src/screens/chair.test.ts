import { describe, expect, it } from 'vitest';
import type { AgendaItem } from '../api/types';
import { neighbourItem, positionForItem, reorderedQueue } from './chair';

const item = (id: string, documents: string[] = []): AgendaItem => ({
  id,
  parent_id: null,
  position: 0,
  title: id,
  presenter: null,
  duration_minutes: null,
  updated: false,
  documents: documents.map((documentId) => ({
    id: documentId,
    title: documentId,
    file_name: `${documentId}.pdf`,
    page_count: 3,
    size_bytes: 1,
    sha256: '',
    confidential: false,
    version: 1,
    url: `/api/v1/documents/${documentId}/versions/1/file`,
    versions: [],
  })),
});

describe('chair console decisions', () => {
  const agenda = [item('a_1', ['d_1', 'd_2']), item('a_2'), item('a_3', ['d_3'])];

  it('next item from nowhere starts at the first; previous from nowhere is nothing', () => {
    expect(neighbourItem(agenda, null, 1)?.id).toBe('a_1');
    expect(neighbourItem(agenda, undefined, -1)).toBeNull();
  });

  it('steps through the agenda and stops at its ends', () => {
    expect(neighbourItem(agenda, 'a_1', 1)?.id).toBe('a_2');
    expect(neighbourItem(agenda, 'a_2', -1)?.id).toBe('a_1');
    expect(neighbourItem(agenda, 'a_3', 1)).toBeNull();
  });

  it('moves everyone to the first page of the item first document', () => {
    expect(positionForItem(agenda[0] as AgendaItem)).toEqual({
      agenda_item_id: 'a_1',
      document_id: 'd_1',
      page: 1,
    });
    expect(positionForItem(agenda[1] as AgendaItem)).toEqual({
      agenda_item_id: 'a_2',
      document_id: null,
      page: null,
    });
  });

  it('moves a speaker up or down the queue, not past its ends', () => {
    expect(reorderedQueue(['u_1', 'u_2', 'u_3'], 'u_3', -1)).toEqual(['u_1', 'u_3', 'u_2']);
    expect(reorderedQueue(['u_1', 'u_2', 'u_3'], 'u_1', 1)).toEqual(['u_2', 'u_1', 'u_3']);
    expect(reorderedQueue(['u_1', 'u_2'], 'u_1', -1)).toBeNull();
    expect(reorderedQueue(['u_1', 'u_2'], 'u_9', 1)).toBeNull();
  });
});
