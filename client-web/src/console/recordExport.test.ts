import { describe, expect, it } from 'vitest';
import type { User } from '../api/types';
import { canExportRecord, canSignRecord, recordFileName } from './recordExport';

const plain: User = {
  id: 'u_1',
  username: 'chutri',
  display_name: 'Chủ trì',
  role: 'user',
  must_change_password: false,
};
const admin: User = { ...plain, id: 'u_2', role: 'admin' };

describe('canExportRecord', () => {
  it('lets the secretary and the chair export a running or closed meeting', () => {
    for (const my_role of ['secretary', 'chair'] as const) {
      expect(canExportRecord(plain, { my_role, state: 'in_session' })).toBe(true);
      expect(canExportRecord(plain, { my_role, state: 'closed' })).toBe(true);
    }
  });

  it('has nothing to export before the meeting starts or after it is cancelled', () => {
    for (const state of ['draft', 'published', 'cancelled'] as const) {
      expect(canExportRecord(plain, { my_role: 'secretary', state })).toBe(false);
    }
  });

  it('refuses delegates and remote points but not administrators', () => {
    expect(canExportRecord(plain, { my_role: 'delegate', state: 'closed' })).toBe(false);
    expect(canExportRecord(plain, { my_role: 'remote_point', state: 'closed' })).toBe(false);
    expect(canExportRecord(admin, { my_role: null, state: 'closed' })).toBe(true);
    expect(canExportRecord(null, { my_role: 'chair', state: 'closed' })).toBe(false);
  });
});

describe('canSignRecord', () => {
  it('lets the chair and the secretary sign once the meeting is closed, nobody else', () => {
    expect(canSignRecord({ my_role: 'chair', state: 'closed' })).toBe(true);
    expect(canSignRecord({ my_role: 'secretary', state: 'closed' })).toBe(true);
    expect(canSignRecord({ my_role: 'chair', state: 'in_session' })).toBe(false);
    expect(canSignRecord({ my_role: 'delegate', state: 'closed' })).toBe(false);
    expect(canSignRecord({ my_role: null, state: 'closed' })).toBe(false);
  });
});

describe('recordFileName', () => {
  it('names the file after the meeting and keeps only safe characters', () => {
    expect(recordFileName('m_01HXYZ')).toBe('bien-ban-m_01HXYZ.pdf');
    expect(recordFileName('../m 1"')).toBe('bien-ban-m1.pdf');
  });
});
