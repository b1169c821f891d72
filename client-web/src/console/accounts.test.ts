import { describe, expect, it } from 'vitest';
import type { ImportPreview, UserAccount } from '../api/types';
import { filterAccounts, foldForSearch, importReadiness, oneTimePasswordsCsv } from './accounts';

const account = (username: string, display_name: string): UserAccount => ({
  id: `u_${username}`,
  username,
  display_name,
  role: 'user',
  disabled: false,
});

describe('accounts search', () => {
  const accounts = [
    account('nvduc', 'Nguyễn Văn Đức'),
    account('ltcuc', 'Lê Thị Cúc'),
    account('thuky', 'Thư ký'),
  ];

  it('folds diacritics and đ so a plain keyboard finds Vietnamese names', () => {
    expect(foldForSearch('  Nguyễn   Văn ĐỨC ')).toBe('nguyen van duc');
    expect(filterAccounts(accounts, 'van duc').map((a) => a.username)).toEqual(['nvduc']);
    expect(filterAccounts(accounts, 'Đức').map((a) => a.username)).toEqual(['nvduc']);
  });

  it('matches the username too, and every word must match', () => {
    expect(filterAccounts(accounts, 'ltc').map((a) => a.username)).toEqual(['ltcuc']);
    expect(filterAccounts(accounts, 'le duc')).toEqual([]);
  });

  it('lists everyone by name, as Vietnamese sorts, when the query is empty', () => {
    expect(filterAccounts(accounts, '').map((a) => a.username)).toEqual(['ltcuc', 'nvduc', 'thuky']);
  });
});

describe('import preview', () => {
  const preview = (rows: number, bad: number): ImportPreview => ({
    rows: Array.from({ length: rows }, (_, index) => ({
      line: index + 2,
      display_name: 'A',
      username: `a${index}`,
      role: 'user',
      errors: [],
    })),
    rows_with_errors: bad,
    ignored_columns: [],
  });

  it('allows importing only a list with rows and no errors', () => {
    expect(importReadiness(preview(0, 0))).toEqual({ kind: 'empty' });
    expect(importReadiness(preview(30, 1))).toEqual({ kind: 'has_errors', rows: 30, bad: 1 });
    expect(importReadiness(preview(30, 0))).toEqual({ kind: 'ready', rows: 30 });
  });
});

describe('one-time passwords as CSV', () => {
  it('writes a BOM, a header and one quoted-when-needed line per account, never a formula', () => {
    const csv = oneTimePasswordsCsv(
      [
        {
          id: 'u_1',
          username: 'nva',
          display_name: 'Nguyễn, Văn "A"',
          role: 'user',
          one_time_password: 'abcDEF234xyz',
        },
        {
          id: 'u_2',
          username: 'ltb',
          display_name: '=HYPERLINK("x")',
          role: 'secretary',
          one_time_password: 'Zz9',
        },
      ],
      { name: 'Họ tên', username: 'Tên đăng nhập', password: 'Mật khẩu một lần' },
    );
    expect(csv).toBe(
      '\ufeffHọ tên,Tên đăng nhập,Mật khẩu một lần\r\n' +
        '"Nguyễn, Văn ""A""",nva,abcDEF234xyz\r\n' +
        `"'=HYPERLINK(""x"")",ltb,Zz9\r\n`,
    );
  });
});
