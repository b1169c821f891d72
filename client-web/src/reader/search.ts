// Finding words in a document's text (pure).
//
// A page's text is its pdf.js text items joined in order (`pageText`), so
// that a hit can be traced back to the items, and so to the text layer's
// spans that highlight it (`hitPieces`). Matching ignores case; a query
// typed without Vietnamese diacritics ("cai cach") also finds the words
// written with them ("cải cách"), as delegates often type on a tablet
// keyboard, while a query with diacritics matches them exactly.

export interface TextRange {
  start: number;
  end: number;
}

/** One hit in a page's text. */
export interface PageHit extends TextRange {
  page: number;
  /** Its place among all the document's hits, from 0. */
  index: number;
}

/** A piece of a hit inside one text item (a hit may span several). */
export interface HitPiece {
  item: number;
  start: number;
  end: number;
}

/** The longest query searched for; longer input is cut. */
export const maximumQueryLength = 200;

/** The string items of a pdf.js `getTextContent()` answer, with whether
 * a line ends after each. */
export interface TextItemLike {
  str: string;
  hasEOL?: boolean;
}

/** The items' strings, as pdf.js's text layer draws them (one per item,
 * in order), and the page's text: the items joined, with a space where a
 * line ends so that words on two lines do not run together. */
export function pageText(items: readonly TextItemLike[]): { strings: string[]; text: string } {
  const strings = items.map((item) => item.str);
  let text = '';
  items.forEach((item) => {
    text += item.str;
    if (item.hasEOL) text += ' ';
  });
  return { strings, text };
}

/** Where each item's string starts in `pageText`'s text. */
export function itemOffsets(items: readonly TextItemLike[]): number[] {
  const offsets: number[] = [];
  let offset = 0;
  for (const item of items) {
    offsets.push(offset);
    offset += item.str.length + (item.hasEOL ? 1 : 0);
  }
  return offsets;
}

const combiningMarks = /[\u0300-\u036f]/g;

/** A character without its diacritics, lower-cased ("Ả" → "a", "đ" → "d").
 * Every character of NFC text folds to at most one character. */
function foldCharacter(character: string, keepDiacritics: boolean): string {
  const lower = character.toLocaleLowerCase('vi');
  if (keepDiacritics) return lower;
  if (lower === 'đ') return 'd';
  return lower.normalize('NFD').replace(combiningMarks, '');
}

/** Whether a query carries Vietnamese diacritics (or đ). */
export function hasDiacritics(query: string): boolean {
  const lower = query.toLocaleLowerCase('vi');
  return lower.includes('đ') || lower.normalize('NFD') !== lower.normalize('NFD').replace(combiningMarks, '');
}

/** Collapses runs of spaces and trims: the query as searched. */
export function normalizeQuery(query: string): string {
  return query.replace(/\s+/g, ' ').trim().slice(0, maximumQueryLength);
}

/** `text` folded for matching, with where each folded character came
 * from in `text`. A character and the combining marks after it fold as
 * one (decomposed and precomposed text match alike); whitespace of any
 * kind becomes one space. */
function foldText(text: string, keepDiacritics: boolean): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  const clusters = text.match(/[^\u0300-\u036f][\u0300-\u036f]*|[\u0300-\u036f]+/gsu) ?? [];
  let index = 0;
  for (const cluster of clusters) {
    const piece = /^\s/.test(cluster) ? ' ' : foldCharacter(cluster.normalize('NFC'), keepDiacritics);
    for (const folding of piece) {
      if (folding === ' ' && folded.endsWith(' ')) continue;
      folded += folding;
      origin.push(index);
    }
    index += cluster.length;
  }
  origin.push(index);
  return { folded, origin };
}

/** Every hit of `query` in `text`, not overlapping, in order. */
export function findInText(text: string, query: string): TextRange[] {
  const wanted = normalizeQuery(query);
  if (wanted === '') return [];
  const keep = hasDiacritics(wanted);
  const needle = foldText(wanted, keep).folded;
  if (needle === '') return [];
  const { folded, origin } = foldText(text, keep);
  const hits: TextRange[] = [];
  let from = 0;
  for (;;) {
    const at = folded.indexOf(needle, from);
    if (at === -1) break;
    const start = origin[at] ?? 0;
    const end = origin[at + needle.length] ?? text.length;
    hits.push({ start, end });
    from = at + needle.length;
  }
  return hits;
}

/** Splits a hit of a page's text into pieces per text item. */
export function hitPieces(range: TextRange, items: readonly TextItemLike[]): HitPiece[] {
  const offsets = itemOffsets(items);
  const pieces: HitPiece[] = [];
  items.forEach((item, index) => {
    const itemStart = offsets[index] ?? 0;
    const itemEnd = itemStart + item.str.length;
    const start = Math.max(range.start, itemStart);
    const end = Math.min(range.end, itemEnd);
    if (start < end) pieces.push({ item: index, start: start - itemStart, end: end - itemStart });
  });
  return pieces;
}

/** A short extract around a hit, for the list of results: the text
 * before, the hit, the text after, each cut at a word. */
export function snippet(text: string, range: TextRange, context = 40): [string, string, string] {
  let from = Math.max(0, range.start - context);
  let to = Math.min(text.length, range.end + context);
  if (from > 0) {
    const space = text.indexOf(' ', from);
    if (space !== -1 && space < range.start) from = space + 1;
  }
  if (to < text.length) {
    const space = text.lastIndexOf(' ', to);
    if (space > range.end) to = space;
  }
  const squash = (value: string) => value.replace(/\s+/g, ' ');
  return [
    `${from > 0 ? '…' : ''}${squash(text.slice(from, range.start)).trimStart()}`,
    squash(text.slice(range.start, range.end)),
    `${squash(text.slice(range.end, to)).trimEnd()}${to < text.length ? '…' : ''}`,
  ];
}
