import { describe, expect, it } from 'vitest';
import type { AgendaItem } from '../api/types';
import { agendaItemChanges, agendaItemFields, newAgendaItem, parseDurationField } from './agendaForm';

const item: AgendaItem = {
  id: 'a_1',
  parent_id: null,
  position: 0,
  title: 'Báo cáo',
  presenter: 'Chánh Văn phòng',
  duration_minutes: 20,
  updated: false,
  documents: [],
};

describe('parseDurationField', () => {
  it('reads whole minutes from 1 to 1440, and empty as none', () => {
    expect(parseDurationField(' 15 ')).toBe(15);
    expect(parseDurationField('')).toBeNull();
    expect(parseDurationField('0')).toBeUndefined();
    expect(parseDurationField('1441')).toBeUndefined();
    expect(parseDurationField('1.5')).toBeUndefined();
    expect(parseDurationField('mười')).toBeUndefined();
  });
});

describe('newAgendaItem', () => {
  it('sends only the fields given, and the parent of a sub-item', () => {
    expect(newAgendaItem({ title: 'Thảo luận', presenter: ' ', duration: '' }, null)).toEqual({
      ok: true,
      request: { title: 'Thảo luận' },
    });
    expect(newAgendaItem({ title: 'Ý kiến xã', presenter: 'Xã A', duration: '10' }, 'a_1')).toEqual({
      ok: true,
      request: { title: 'Ý kiến xã', presenter: 'Xã A', duration_minutes: 10, parent_id: 'a_1' },
    });
  });

  it('asks for a title and a sensible duration', () => {
    expect(newAgendaItem({ title: '', presenter: '', duration: '' }, null)).toMatchObject({
      ok: false,
      problem: { field: 'title', message: 'agendaEditor.missingTitle' },
    });
    expect(newAgendaItem({ title: 'X', presenter: '', duration: '-5' }, null)).toMatchObject({
      ok: false,
      problem: { field: 'duration' },
    });
  });
});

describe('agendaItemChanges', () => {
  it('sends nothing for an unchanged form', () => {
    expect(agendaItemChanges(item, agendaItemFields(item))).toEqual({ ok: true, request: {} });
  });

  it('clears presenter and duration with null', () => {
    expect(agendaItemChanges(item, { title: 'Báo cáo', presenter: '', duration: '' })).toEqual({
      ok: true,
      request: { presenter: null, duration_minutes: null },
    });
  });
});
