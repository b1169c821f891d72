import { describe, expect, it } from 'vitest';
import { applySplice, carrySelection, rebaseTyping, textEdit } from './typing';

describe('textEdit', () => {
  it('finds the one span that changed', () => {
    expect(textEdit('abcdef', 'abXYef')).toEqual({ start: 2, oldEnd: 4, newEnd: 4 });
    expect(textEdit('abc', 'abc')).toEqual({ start: 3, oldEnd: 3, newEnd: 3 });
    expect(textEdit('', 'new')).toEqual({ start: 0, oldEnd: 0, newEnd: 3 });
    expect(textEdit('aaa', 'aaaa')).toEqual({ start: 3, oldEnd: 3, newEnd: 4 });
  });
});

describe('carrySelection', () => {
  const before = 'Kết luận:\nĐồng ý.';

  it('keeps a caret that is before the other writer’s edit', () => {
    expect(carrySelection(before, `${before} Giao phòng Tài chính.`, 3, 3)).toEqual([3, 3]);
  });

  it('moves a caret after the edit by what was inserted or deleted', () => {
    const after = `BIÊN BẢN\n${before}`;
    expect(carrySelection(before, after, 10, 12)).toEqual([19, 21]);
    expect(carrySelection(after, before, 19, 21)).toEqual([10, 12]);
  });

  it('puts a caret inside a replaced span at its new end', () => {
    expect(carrySelection('abcdef', 'abXYZef', 3, 3)).toEqual([5, 5]);
  });
});

describe('rebaseTyping', () => {
  const base = 'BIÊN BẢN\nKết luận:\n';

  it('is the plain edit when nobody else wrote', () => {
    const typed = `${base}Đồng ý.`;
    const splice = rebaseTyping(base, typed, base);
    expect(splice).toEqual({ start: base.length, deleteCount: 0, insert: 'Đồng ý.' });
    expect(applySplice(base, splice!)).toBe(typed);
  });

  it('keeps both writers’ edits when the other wrote earlier in the text', () => {
    const typed = `${base}Đồng ý.`;
    const latest = `Thời gian: 8 giờ. ${base}`;
    expect(applySplice(latest, rebaseTyping(base, typed, latest)!)).toBe(`Thời gian: 8 giờ. ${base}Đồng ý.`);
  });

  it('keeps both writers’ edits when the other wrote later in the text', () => {
    const typed = `Thời gian: 8 giờ. ${base}`;
    const latest = `${base}Đồng ý.`;
    expect(applySplice(latest, rebaseTyping(base, typed, latest)!)).toBe(`Thời gian: 8 giờ. ${base}Đồng ý.`);
  });

  it('carries a deletion past the other writer’s insertion', () => {
    const typed = base.replace('BIÊN BẢN\n', '');
    const latest = `${base}Đồng ý.`;
    expect(applySplice(latest, rebaseTyping(base, typed, latest)!)).toBe('Kết luận:\nĐồng ý.');
  });

  it('is nothing when nothing was typed', () => {
    expect(rebaseTyping(base, base, `${base}x`)).toBeNull();
  });
});
