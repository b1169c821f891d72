import { describe, expect, it } from 'vitest';
import { doubleTapZoom, isDoubleTap, isTap, pinchZoom } from './gestures';

describe('isTap', () => {
  it('is a short touch that barely moves', () => {
    expect(isTap({ x: 10, y: 10 }, { x: 14, y: 12 }, 120)).toBe(true);
    expect(isTap({ x: 10, y: 10 }, { x: 60, y: 10 }, 120)).toBe(false);
    expect(isTap({ x: 10, y: 10 }, { x: 10, y: 10 }, 900)).toBe(false);
  });
});

describe('isDoubleTap', () => {
  it('needs a second tap soon after and near the first', () => {
    const first = { x: 100, y: 100, time: 1000 };
    expect(isDoubleTap(null, first)).toBe(false);
    expect(isDoubleTap(first, { x: 110, y: 105, time: 1200 })).toBe(true);
    expect(isDoubleTap(first, { x: 110, y: 105, time: 1500 })).toBe(false);
    expect(isDoubleTap(first, { x: 300, y: 100, time: 1100 })).toBe(false);
  });
});

describe('pinchZoom', () => {
  it('scales the starting zoom by how far the fingers spread', () => {
    expect(pinchZoom(1, 100, 200)).toBe(2);
    expect(pinchZoom(2, 200, 100)).toBe(1);
  });

  it('stays within the zoom limits and ignores a degenerate pinch', () => {
    expect(pinchZoom(1, 10, 1000)).toBe(4);
    expect(pinchZoom(1, 1000, 10)).toBe(0.5);
    expect(pinchZoom(1.5, 0, 100)).toBe(1.5);
  });
});

describe('doubleTapZoom', () => {
  it('zooms a fitted page to twice its size and anything else back to the fit', () => {
    expect(doubleTapZoom(1)).toBe(2);
    expect(doubleTapZoom(2)).toBe(1);
    expect(doubleTapZoom(0.75)).toBe(1);
  });
});
