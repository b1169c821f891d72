// Looking up UI text in the chosen language, and remembering the choice.
//
// Pure functions over the tables in `messages.ts`; the storage they read
// and write is passed in, so tests need no browser.

import { en, vi, type MessageKey } from './messages';

export type { MessageKey } from './messages';

/** The languages of the UI; Vietnamese is the default everywhere. */
export type Language = 'vi' | 'en';

export const defaultLanguage: Language = 'vi';

/** Where the language choice is kept in `localStorage`. */
export const languageStorageKey = 'phonghop.language';

const tables: Record<Language, Record<MessageKey, string>> = { vi, en };

/** Values substituted for `{name}` placeholders. */
export type MessageParams = Readonly<Record<string, string | number>>;

/** The text for `key` in `language`, with `{placeholders}` filled from
 * `params`. A placeholder without a value is left as written, so a missing
 * parameter shows up on screen instead of vanishing. */
export function translate(language: Language, key: MessageKey, params: MessageParams = {}): string {
  const template = tables[language][key];
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = params[name];
    return value === undefined ? placeholder : String(value);
  });
}

/** Whether `key` names a text, for keys built from server values (an
 * audit action such as `meeting.publish`). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(vi, key);
}

/** Reads a stored or requested language, falling back to Vietnamese for
 * anything that is not exactly a supported language code. */
export function parseLanguage(value: string | null | undefined): Language {
  return value === 'en' || value === 'vi' ? value : defaultLanguage;
}

export function otherLanguage(language: Language): Language {
  return language === 'vi' ? 'en' : 'vi';
}

/** The language remembered in `storage`; Vietnamese when none is, or when
 * storage is unavailable (some tablets' private browsing throws on access). */
export function loadLanguage(storage: Pick<Storage, 'getItem'> | undefined): Language {
  try {
    return parseLanguage(storage?.getItem(languageStorageKey));
  } catch {
    return defaultLanguage;
  }
}

/** Remembers `language`; failing to store it only costs the memory of the
 * choice, so errors are swallowed. */
export function saveLanguage(storage: Pick<Storage, 'setItem'> | undefined, language: Language): void {
  try {
    storage?.setItem(languageStorageKey, language);
  } catch {
    // The choice still applies to this page; it is just not remembered.
  }
}
