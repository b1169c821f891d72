import { describe, expect, it } from 'vitest';
import type { Meeting } from '../api/types';
import { checkNewMeeting, composeStartsAt, fieldsOf, meetingChanges, splitStartsAt } from './meetingForm';
import { standardRules } from '../meetings/rules';

const meeting: Meeting = {
  id: 'm_1',
  title: 'Họp giao ban',
  starts_at: '2026-12-01T08:00:00+07:00',
  place: 'Phòng họp tầng 2',
  state: 'draft',
  my_role: 'secretary',
  video_link: null,
  rules: standardRules,
  agenda: [],
  sync_documents: [],
  hidden_annotations: [],
};

describe('composeStartsAt', () => {
  it('writes the district wall clock with the +07:00 offset', () => {
    expect(composeStartsAt('2026-12-01', '08:00')).toBe('2026-12-01T08:00:00+07:00');
    expect(composeStartsAt('2026-12-01', '14:30:00')).toBe('2026-12-01T14:30:00+07:00');
  });

  it('refuses dates and times that do not exist', () => {
    expect(composeStartsAt('2026-02-30', '08:00')).toBeNull();
    expect(composeStartsAt('2026-12-01', '25:00')).toBeNull();
    expect(composeStartsAt('', '08:00')).toBeNull();
    expect(composeStartsAt('01/12/2026', '08:00')).toBeNull();
  });
});

describe('splitStartsAt', () => {
  it('reads the time on the meeting own clock, not the computer zone', () => {
    expect(splitStartsAt('2026-12-01T08:05:00+07:00')).toEqual({ date: '2026-12-01', time: '08:05' });
  });

  it('gives empty fields for an unreadable time', () => {
    expect(splitStartsAt('soon')).toEqual({ date: '', time: '' });
  });
});

describe('checkNewMeeting', () => {
  const fields = { title: ' Họp ', date: '2026-12-01', time: '08:00', place: ' P1 ', videoLink: '' };

  it('builds the request with trimmed text and no empty link', () => {
    expect(checkNewMeeting(fields)).toEqual({
      ok: true,
      request: { title: 'Họp', starts_at: '2026-12-01T08:00:00+07:00', place: 'P1' },
    });
  });

  it('keeps a video link that is a web address', () => {
    const checked = checkNewMeeting({ ...fields, videoLink: 'https://hop.example.vn/1' });
    expect(checked.ok && checked.request.video_link).toBe('https://hop.example.vn/1');
  });

  it('refuses an http:// video link, as the server does', () => {
    expect(checkNewMeeting({ ...fields, videoLink: 'http://hop.example.vn/1' })).toMatchObject({
      ok: false,
      problem: { field: 'videoLink' },
    });
  });

  it('names the first field to fix', () => {
    expect(checkNewMeeting({ ...fields, title: '  ' })).toMatchObject({
      ok: false,
      problem: { field: 'title' },
    });
    expect(checkNewMeeting({ ...fields, date: '' })).toMatchObject({ ok: false, problem: { field: 'date' } });
    expect(checkNewMeeting({ ...fields, time: '' })).toMatchObject({ ok: false, problem: { field: 'time' } });
    expect(checkNewMeeting({ ...fields, place: '' })).toMatchObject({
      ok: false,
      problem: { field: 'place' },
    });
    expect(checkNewMeeting({ ...fields, videoLink: 'zoom room 5' })).toMatchObject({
      ok: false,
      problem: { field: 'videoLink', message: 'meetingForm.invalidLink' },
    });
  });
});

describe('meetingChanges', () => {
  it('sends nothing when nothing changed', () => {
    expect(meetingChanges(meeting, fieldsOf(meeting))).toEqual({ ok: true, request: {} });
  });

  it('sends only the changed fields', () => {
    const fields = { ...fieldsOf(meeting), time: '09:30', place: 'Hội trường' };
    expect(meetingChanges(meeting, fields)).toEqual({
      ok: true,
      request: { starts_at: '2026-12-01T09:30:00+07:00', place: 'Hội trường' },
    });
  });

  it('clears the video link with null when the field is emptied', () => {
    const withLink = { ...meeting, video_link: 'https://hop.example.vn/1' };
    expect(meetingChanges(withLink, { ...fieldsOf(withLink), videoLink: '' })).toEqual({
      ok: true,
      request: { video_link: null },
    });
  });

  it('treats the same moment written with another offset as unchanged', () => {
    const utc = { ...meeting, starts_at: '2026-12-01T01:00:00Z' };
    expect(meetingChanges(utc, { ...fieldsOf(meeting) })).toEqual({ ok: true, request: {} });
  });
});
