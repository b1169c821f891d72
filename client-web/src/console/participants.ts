// Choosing participants: the roles offered and the accounts that can
// still be added.

import type { MeetingRole, Participant, UserAccount } from '../api/types';

/** The roles in the order a secretary thinks of them. */
export const meetingRoles: readonly MeetingRole[] = [
  'chair',
  'secretary',
  'delegate',
  'observer',
  'remote_point',
];

/** Accounts that can still be added: enabled and not yet participants,
 * sorted by display name. */
export function addableAccounts(
  accounts: readonly UserAccount[],
  participants: readonly Participant[],
): UserAccount[] {
  const present = new Set(participants.map((participant) => participant.user_id));
  return accounts
    .filter((account) => !account.disabled && !present.has(account.id))
    .sort(
      (a, b) => a.display_name.localeCompare(b.display_name, 'vi') || a.username.localeCompare(b.username),
    );
}
