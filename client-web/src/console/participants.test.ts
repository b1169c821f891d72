import { describe, expect, it } from 'vitest';
import type { UserAccount } from '../api/types';
import { addableAccounts, meetingRoles } from './participants';

const account = (id: string, display_name: string, disabled = false): UserAccount => ({
  id,
  username: id,
  display_name,
  role: 'user',
  disabled,
});

describe('addableAccounts', () => {
  it('offers enabled accounts that are not in the meeting, by name', () => {
    const accounts = [
      account('u3', 'Đại biểu 02'),
      account('u1', 'Chủ tịch'),
      account('u2', 'Đại biểu 01'),
      account('u4', 'Cũ', true),
    ];
    const participants = [
      { user_id: 'u1', username: 'u1', display_name: 'Chủ tịch', role: 'chair' as const },
    ];
    expect(addableAccounts(accounts, participants).map((a) => a.id)).toEqual(['u2', 'u3']);
  });

  it('offers every meeting role', () => {
    expect(meetingRoles).toEqual(['chair', 'secretary', 'delegate', 'observer', 'remote_point']);
  });
});
