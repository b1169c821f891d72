// The administrator's accounts screen and the import of a list of
// officials (pure): searching accounts by name or username the way people
// type (with or without diacritics), the roles as the screen names them,
// and the one-time passwords of an import as a CSV file to hand out.

import type { ImportPreview, ImportedAccount, OrgRole, UserAccount } from '../api/types';
import type { MessageKey } from '../i18n/i18n';

/** The roles in the order the screen offers them (the commonest first). */
export const orgRoles: readonly OrgRole[] = ['user', 'secretary', 'admin'];

export function orgRoleKey(role: OrgRole): MessageKey {
  switch (role) {
    case 'user':
      return 'accounts.roleUser';
    case 'secretary':
      return 'accounts.roleSecretary';
    case 'admin':
      return 'accounts.roleAdmin';
  }
}

/** Lowercase, without diacritics (đ as d): "Nguyễn Văn Đức" and
 * "nguyen van duc" fold alike, so an administrator typing on a keyboard
 * without Vietnamese input still finds the account. */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The accounts whose name or username contains every word of `query`,
 * sorted by name as Vietnamese sorts. */
export function filterAccounts(accounts: readonly UserAccount[], query: string): UserAccount[] {
  const words = foldForSearch(query)
    .split(' ')
    .filter((word) => word !== '');
  return accounts
    .filter((account) => {
      const haystack = foldForSearch(`${account.display_name} ${account.username}`);
      return words.every((word) => haystack.includes(word));
    })
    .sort(
      (a, b) =>
        a.display_name.localeCompare(b.display_name, 'vi', { numeric: true }) ||
        a.username.localeCompare(b.username),
    );
}

/** What the preview lets the administrator do next. */
export type ImportReadiness =
  { kind: 'empty' } | { kind: 'has_errors'; rows: number; bad: number } | { kind: 'ready'; rows: number };

export function importReadiness(preview: ImportPreview): ImportReadiness {
  if (preview.rows.length === 0) return { kind: 'empty' };
  if (preview.rows_with_errors > 0)
    return { kind: 'has_errors', rows: preview.rows.length, bad: preview.rows_with_errors };
  return { kind: 'ready', rows: preview.rows.length };
}

function csvField(text: string): string {
  // A leading =, +, - or @ would make a spreadsheet read the cell as a
  // formula; names and usernames never need one.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The imported accounts and their one-time passwords as CSV (UTF-8 with
 * a byte order mark, which Excel needs to read Vietnamese), one account a
 * line, for the administrator to print or hand out. */
export function oneTimePasswordsCsv(
  accounts: readonly ImportedAccount[],
  headers: { name: string; username: string; password: string },
): string {
  const lines = [[headers.name, headers.username, headers.password].map(csvField).join(',')];
  for (const account of accounts) {
    lines.push([account.display_name, account.username, account.one_time_password].map(csvField).join(','));
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
