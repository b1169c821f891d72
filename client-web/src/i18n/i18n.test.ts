import { describe, expect, it } from 'vitest';
import { en, vi } from './messages';
import {
  languageStorageKey,
  loadLanguage,
  otherLanguage,
  parseLanguage,
  saveLanguage,
  translate,
} from './i18n';

function memoryStorage(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    values,
  };
}

describe('translate', () => {
  it('returns vietnamese text for the vietnamese language', () => {
    expect(translate('vi', 'header.logout')).toBe('Đăng xuất');
  });

  it('returns english text for the english language', () => {
    expect(translate('en', 'header.logout')).toBe('Log out');
  });

  it('fills every occurrence of a placeholder', () => {
    expect(translate('vi', 'reader.pageOutOfRange', { count: 9 })).toBe(
      'Tài liệu có 9 trang. Hãy nhập số từ 1 đến 9.',
    );
  });

  it('formats the page counter as the reader shows it', () => {
    expect(translate('vi', 'reader.pageOf', { page: 3, count: 9 })).toBe('Trang 3/9');
  });

  it('leaves a placeholder without a value visible', () => {
    expect(translate('en', 'meeting.presenter')).toBe('Presented by {name}');
  });
});

describe('message tables', () => {
  it('give every key a non-empty text in both languages', () => {
    for (const table of [vi, en]) {
      for (const [key, text] of Object.entries(table)) {
        expect(text.trim(), key).not.toBe('');
      }
    }
  });

  it('use the same placeholders in english as in vietnamese', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(vi) as (keyof typeof vi)[]) {
      expect(placeholders(en[key]), key).toEqual(placeholders(vi[key]));
    }
  });
});

describe('language choice', () => {
  it('defaults to vietnamese when nothing is stored', () => {
    expect(loadLanguage(memoryStorage())).toBe('vi');
  });

  it('defaults to vietnamese when storage is unavailable', () => {
    expect(loadLanguage(undefined)).toBe('vi');
    const throwing = {
      getItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(loadLanguage(throwing)).toBe('vi');
  });

  it('ignores an unknown stored language', () => {
    expect(loadLanguage(memoryStorage({ [languageStorageKey]: 'fr' }))).toBe('vi');
    expect(parseLanguage('EN')).toBe('vi');
  });

  it('remembers english once chosen', () => {
    const storage = memoryStorage();
    saveLanguage(storage, 'en');
    expect(loadLanguage(storage)).toBe('en');
  });

  it('switches between the two languages', () => {
    expect(otherLanguage('vi')).toBe('en');
    expect(otherLanguage('en')).toBe('vi');
  });
});
