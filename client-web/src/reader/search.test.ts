import { describe, expect, it } from 'vitest';
import { findInText, hasDiacritics, hitPieces, itemOffsets, pageText, snippet } from './search';

describe('findInText', () => {
  const text = 'Báo cáo CẢI CÁCH hành chính; cải cách thủ tục, Cai cach.';

  it('ignores case, and diacritics when the query has none', () => {
    const hits = findInText(text, 'cai cach');
    expect(hits.map(({ start, end }) => text.slice(start, end))).toEqual([
      'CẢI CÁCH',
      'cải cách',
      'Cai cach',
    ]);
  });

  it('matches diacritics exactly when the query has them', () => {
    const hits = findInText(text, 'cải cách');
    expect(hits.map(({ start, end }) => text.slice(start, end))).toEqual(['CẢI CÁCH', 'cải cách']);
  });

  it('folds đ to d only for a query without diacritics', () => {
    expect(findInText('Đại biểu', 'dai bieu')).toEqual([{ start: 0, end: 8 }]);
    expect(findInText('Dai bieu', 'đại biểu')).toEqual([]);
    expect(hasDiacritics('đai')).toBe(true);
    expect(hasDiacritics('dai')).toBe(false);
  });

  it('finds decomposed text (a base letter and its marks) as its composed form', () => {
    const decomposed = 'ca\u0309i ca\u0301ch';
    const hits = findInText(decomposed, 'cải cách');
    expect(hits).toEqual([{ start: 0, end: decomposed.length }]);
    expect(findInText(decomposed, 'cai')).toEqual([{ start: 0, end: 4 }]);
  });

  it('treats runs of spaces and line ends as one space', () => {
    expect(findInText('hành\n  chính', 'hành chính')).toEqual([{ start: 0, end: 12 }]);
  });

  it('finds nothing for an empty query and does not overlap hits', () => {
    expect(findInText(text, '   ')).toEqual([]);
    expect(findInText('aaaa', 'aa')).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 4 },
    ]);
  });
});

describe('pageText and hitPieces', () => {
  const items = [{ str: 'Cải cách', hasEOL: true }, { str: 'hành chính' }, { str: ' năm 2026' }];

  it('joins items with a space at each line end', () => {
    expect(pageText(items).text).toBe('Cải cách hành chính năm 2026');
    expect(itemOffsets(items)).toEqual([0, 9, 19]);
  });

  it('splits a hit that spans items into one piece per item', () => {
    const { text } = pageText(items);
    const [hit] = findInText(text, 'cach hanh');
    expect(hit).toBeDefined();
    expect(hitPieces(hit!, items)).toEqual([
      { item: 0, start: 4, end: 8 },
      { item: 1, start: 0, end: 4 },
    ]);
  });
});

describe('snippet', () => {
  it('cuts around the hit at word boundaries', () => {
    const text = 'một hai ba bốn năm sáu bảy tám chín mười mười một mười hai';
    const [hit] = findInText(text, 'sáu');
    const [before, match, after] = snippet(text, hit!, 10);
    expect(match).toBe('sáu');
    expect(before.startsWith('…')).toBe(true);
    expect(after.endsWith('…')).toBe(true);
    expect(`${before}${match}${after}`).toContain('bốn năm sáu bảy tám');
  });
});
