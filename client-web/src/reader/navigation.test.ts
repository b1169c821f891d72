import { describe, expect, it } from 'vitest';
import {
  applyTurn,
  clampPage,
  fitWidthScale,
  keyTurn,
  nextZoom,
  parsePageInput,
  renderPixelRatio,
  swipeTurn,
} from './navigation';

describe('clampPage', () => {
  it('keeps pages inside the document', () => {
    expect(clampPage(0, 9)).toBe(1);
    expect(clampPage(10, 9)).toBe(9);
    expect(clampPage(4, 9)).toBe(4);
    expect(clampPage(Number.NaN, 9)).toBe(1);
  });
});

describe('applyTurn', () => {
  it('does not turn past the last page or before the first', () => {
    expect(applyTurn('next', 9, 9)).toBe(9);
    expect(applyTurn('previous', 1, 9)).toBe(1);
  });

  it('turns one page at a time and jumps to either end', () => {
    expect(applyTurn('next', 1, 9)).toBe(2);
    expect(applyTurn('previous', 5, 9)).toBe(4);
    expect(applyTurn('first', 5, 9)).toBe(1);
    expect(applyTurn('last', 5, 9)).toBe(9);
  });
});

describe('swipeTurn', () => {
  it('turns to the next page when the finger moves left', () => {
    expect(swipeTurn(-120, 10)).toBe('next');
  });

  it('turns to the previous page when the finger moves right', () => {
    expect(swipeTurn(120, -10)).toBe('previous');
  });

  it('ignores short moves and vertical scrolling', () => {
    expect(swipeTurn(-30, 0)).toBeNull();
    expect(swipeTurn(-100, 90)).toBeNull();
  });
});

describe('keyTurn', () => {
  it('maps arrow and page keys to page turns', () => {
    expect(keyTurn('ArrowRight')).toBe('next');
    expect(keyTurn('ArrowLeft')).toBe('previous');
    expect(keyTurn('PageDown')).toBe('next');
    expect(keyTurn('Home')).toBe('first');
    expect(keyTurn('a')).toBeNull();
  });
});

describe('nextZoom', () => {
  it('steps up and down through the zoom steps', () => {
    expect(nextZoom(1, 1)).toBe(1.25);
    expect(nextZoom(1, -1)).toBe(0.75);
  });

  it('stays at the smallest and largest step', () => {
    expect(nextZoom(3, 1)).toBe(3);
    expect(nextZoom(0.5, -1)).toBe(0.5);
  });

  it('moves from an in-between zoom to the nearest step in that direction', () => {
    expect(nextZoom(1.1, 1)).toBe(1.25);
    expect(nextZoom(1.1, -1)).toBe(1);
  });
});

describe('parsePageInput', () => {
  it('accepts a page number of this document', () => {
    expect(parsePageInput(' 7 ', 9)).toBe(7);
  });

  it('rejects numbers outside the document and non-numbers', () => {
    expect(parsePageInput('0', 9)).toBeNull();
    expect(parsePageInput('10', 9)).toBeNull();
    expect(parsePageInput('3a', 9)).toBeNull();
    expect(parsePageInput('', 9)).toBeNull();
    expect(parsePageInput('-2', 9)).toBeNull();
  });
});

describe('fitWidthScale', () => {
  it('scales an a4 page (595 pt) to the available width, times the zoom', () => {
    expect(fitWidthScale(595, 1190, 1)).toBeCloseTo(2);
    expect(fitWidthScale(595, 1190, 1.5)).toBeCloseTo(3);
  });

  it('falls back to the zoom alone before the layout has a width', () => {
    expect(fitWidthScale(595, 0, 1.25)).toBe(1.25);
  });
});

describe('renderPixelRatio', () => {
  it('renders at the screen pixel ratio for an ordinary page', () => {
    expect(renderPixelRatio(800, 1131, 2)).toBe(2);
  });

  it('lowers the ratio to keep a zoomed page under the canvas pixel limit', () => {
    const ratio = renderPixelRatio(3000, 4243, 2);
    expect(ratio).toBeLessThan(2);
    expect(3000 * ratio * 4243 * ratio).toBeLessThanOrEqual(10_000_000 + 1);
  });

  it('draws a page fitted to a 1280 px tablet at twice its pixels in full', () => {
    expect(renderPixelRatio(1264, 1788, 2)).toBe(2);
  });

  it('treats a missing device pixel ratio as 1', () => {
    expect(renderPixelRatio(800, 1131, Number.NaN)).toBe(1);
  });
});
