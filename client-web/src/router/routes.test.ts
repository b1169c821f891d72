import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, type Route } from './routes';

describe('parseRoute', () => {
  it('opens the meetings list for an empty address', () => {
    expect(parseRoute('')).toEqual({ screen: 'meetings' });
    expect(parseRoute('#/')).toEqual({ screen: 'meetings' });
  });

  it('reads the login screen', () => {
    expect(parseRoute('#/login')).toEqual({ screen: 'login' });
  });

  it('reads a meeting id', () => {
    expect(parseRoute('#/meetings/m_42')).toEqual({ screen: 'meeting', meetingId: 'm_42' });
  });

  it('reads a document in a meeting, on page 1 by default', () => {
    expect(parseRoute('#/meetings/m_42/documents/d_7')).toEqual({
      screen: 'document',
      meetingId: 'm_42',
      documentId: 'd_7',
      page: 1,
    });
  });

  it('reads the page to reopen a document at', () => {
    expect(parseRoute('#/meetings/m_42/documents/d_7?page=5')).toMatchObject({ page: 5 });
  });

  it('ignores a page or a version that is not a positive number', () => {
    expect(parseRoute('#/meetings/m/documents/d?page=abc')).toMatchObject({ page: 1 });
    expect(parseRoute('#/meetings/m/documents/d?page=0')).toMatchObject({ page: 1 });
    expect(parseRoute('#/meetings/m/documents/d?version=0')).not.toHaveProperty('version');
    expect(parseRoute('#/meetings/m/documents/d?version=x')).not.toHaveProperty('version');
  });

  it('reads the secretary console addresses', () => {
    expect(parseRoute('#/meetings/new')).toEqual({ screen: 'new_meeting' });
    expect(parseRoute('#/meetings/m_42/edit')).toEqual({ screen: 'edit_meeting', meetingId: 'm_42' });
    expect(parseRoute('#/meetings/m_42/audit')).toEqual({ screen: 'meeting_audit', meetingId: 'm_42' });
    expect(parseRoute('#/meetings/m_42/reads')).toEqual({ screen: 'document_reads', meetingId: 'm_42' });
  });

  it("reads the administrator's devices screen, with or without a chosen account", () => {
    expect(parseRoute('#/devices')).toEqual({ screen: 'devices', userId: null });
    expect(parseRoute('#/devices/u_7')).toEqual({ screen: 'devices', userId: 'u_7' });
    expect(parseRoute('#/devices/u_7/x')).toMatchObject({ screen: 'not_found' });
    expect(parseRoute('#/accounts')).toEqual({ screen: 'accounts' });
    expect(parseRoute('#/accounts/import')).toEqual({ screen: 'accounts_import' });
    expect(parseRoute('#/accounts/other')).toMatchObject({ screen: 'not_found' });
  });

  it('decodes escaped ids', () => {
    expect(parseRoute('#/meetings/m%2F1')).toEqual({ screen: 'meeting', meetingId: 'm/1' });
  });

  it('reports an unknown address as not found instead of guessing', () => {
    expect(parseRoute('#/settings')).toEqual({ screen: 'not_found', hash: '#/settings' });
    expect(parseRoute('#/meetings/m/agenda')).toMatchObject({ screen: 'not_found' });
    expect(parseRoute('#/meetings/%E0%A4%A')).toMatchObject({ screen: 'not_found' });
  });
});

describe('hrefFor', () => {
  it('reads the calendar week from the address, and ignores one that is not a date', () => {
    expect(parseRoute('#/calendar?week=2026-12-07')).toEqual({ screen: 'calendar', week: '2026-12-07' });
    expect(parseRoute('#/calendar?week=<script>')).toEqual({ screen: 'calendar', week: null });
    expect(parseRoute('#/calendar')).toEqual({ screen: 'calendar', week: null });
  });

  it('round-trips every kind of route through parseRoute', () => {
    const routes: Route[] = [
      { screen: 'login' },
      { screen: 'meetings' },
      { screen: 'calendar', week: null },
      { screen: 'account' },
      { screen: 'calendar', week: '2026-12-07' },
      { screen: 'meeting', meetingId: 'm_1' },
      { screen: 'document', meetingId: 'm_1', documentId: 'd 2', page: 1 },
      { screen: 'document', meetingId: 'm_1', documentId: 'd_2', page: 3 },
      { screen: 'document', meetingId: 'm_1', documentId: 'd_2', page: 3, version: 1 },
      { screen: 'document', meetingId: 'm_1', documentId: 'd_2', page: 1, version: 2 },
      { screen: 'new_meeting' },
      { screen: 'edit_meeting', meetingId: 'm_1' },
      { screen: 'meeting_audit', meetingId: 'm 1' },
      { screen: 'document_reads', meetingId: 'm 1' },
      { screen: 'devices', userId: null },
      { screen: 'accounts' },
      { screen: 'accounts_import' },
      { screen: 'devices', userId: 'u_daibieu01' },
    ];
    for (const route of routes) {
      expect(parseRoute(hrefFor(route))).toEqual(route);
    }
  });
});
