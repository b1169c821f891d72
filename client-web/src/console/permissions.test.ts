import { describe, expect, it } from 'vitest';
import type { MeetingRole, OrgRole, User } from '../api/types';
import { canCreateMeetings, canPickAccounts, canPrepareMeeting } from './permissions';

const user = (role: OrgRole): User => ({
  id: 'u',
  username: 'u',
  display_name: 'U',
  role,
  must_change_password: false,
});
const meeting = (myRole: MeetingRole | null) => ({ my_role: myRole });

describe('console permissions', () => {
  it('lets office secretaries and administrators create meetings', () => {
    expect(canCreateMeetings(user('secretary'))).toBe(true);
    expect(canCreateMeetings(user('admin'))).toBe(true);
    expect(canCreateMeetings(user('user'))).toBe(false);
    expect(canCreateMeetings(null)).toBe(false);
  });

  it('lets a meeting be prepared by its secretary and chair and by administrators', () => {
    expect(canPrepareMeeting(user('user'), meeting('chair'))).toBe(true);
    expect(canPrepareMeeting(user('user'), meeting('secretary'))).toBe(true);
    expect(canPrepareMeeting(user('admin'), meeting(null))).toBe(true);
    expect(canPrepareMeeting(user('user'), meeting('delegate'))).toBe(false);
    expect(canPrepareMeeting(user('secretary'), meeting('delegate'))).toBe(false);
  });

  it('lets only those who may list accounts pick them', () => {
    expect(canPickAccounts(user('secretary'))).toBe(true);
    expect(canPickAccounts(user('user'))).toBe(false);
  });
});
