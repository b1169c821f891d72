import { describe, expect, it } from 'vitest';
import {
  anchorAt,
  computeLayout,
  currentPage,
  maximumScrollTop,
  neighbourRowPage,
  pageMargin,
  renderPlan,
  rowsOfPages,
  scrollForAnchor,
  scrollTopForPage,
  visiblePages,
} from './layout';

const a4 = { width: 595, height: 842 };
const pages = (count: number) => Array.from({ length: count }, () => a4);
const landscape = { width: 1280, height: 744 };
const portrait = { width: 800, height: 1224 };

describe('computeLayout', () => {
  it('fits the width in landscape: pages fill the stage width, one under another', () => {
    const layout = computeLayout(pages(3), 'width', 1, landscape);
    const [first, second] = layout.pages;
    expect(first?.width).toBe(1280 - 2 * pageMargin);
    expect(second!.y).toBeGreaterThan(first!.y + first!.height);
    expect(layout.contentWidth).toBe(1280);
  });

  it('fits the whole page in portrait', () => {
    const layout = computeLayout(pages(3), 'page', 1, portrait);
    const first = layout.pages[0]!;
    expect(first.width).toBeLessThanOrEqual(800 - 2 * pageMargin);
    expect(first.height).toBeLessThanOrEqual(1224 - 2 * pageMargin);
    expect(first.width).toBe(800 - 2 * pageMargin);
  });

  it('shows two pages side by side in a spread, the last alone at the same size', () => {
    const layout = computeLayout(pages(5), 'spread', 1, landscape);
    expect(rowsOfPages(5, 'spread')).toEqual([[1, 2], [3, 4], [5]]);
    expect(layout.rows).toHaveLength(3);
    const [left, right] = layout.rows[0]!.pages;
    expect(right!.x).toBeGreaterThan(left!.x + left!.width);
    expect(left!.height).toBeLessThanOrEqual(744 - 2 * pageMargin);
    expect(layout.pages[4]!.width).toBe(left!.width);
  });

  it('scales with the zoom and widens the content to scroll sideways', () => {
    const layout = computeLayout(pages(2), 'width', 2, landscape);
    expect(layout.pages[0]!.width).toBe(2 * (1280 - 2 * pageMargin));
    expect(layout.contentWidth).toBeGreaterThan(1280);
  });

  it('fits a landscape page in a portrait document to the width like the others', () => {
    const layout = computeLayout([a4, { width: 842, height: 595 }], 'width', 1, landscape);
    expect(layout.pages[1]!.width).toBe(layout.pages[0]!.width);
    expect(layout.pages[1]!.height).toBeLessThan(layout.pages[0]!.height);
  });
});

describe('scrolling', () => {
  const layout = computeLayout(pages(10), 'width', 1, landscape);

  it('a page turn shows the page from its top, and the page under the reading line is current', () => {
    const top = scrollTopForPage(layout, 4);
    expect(currentPage(layout, top, landscape.height)).toBe(4);
    expect(visiblePages(layout, top, landscape.height)).toEqual([4, 4]);
  });

  it('the last page is current once the stage is scrolled to its end', () => {
    expect(currentPage(layout, maximumScrollTop(layout), landscape.height)).toBe(10);
    expect(currentPage(layout, scrollTopForPage(layout, 10), landscape.height)).toBe(10);
    const short = computeLayout(pages(3), 'page', 1, landscape);
    expect(scrollTopForPage(short, 3)).toBe(maximumScrollTop(short));
    expect(currentPage(short, maximumScrollTop(short), landscape.height)).toBe(3);
  });

  it('a spread turns a row at a time', () => {
    const spread = computeLayout(pages(5), 'spread', 1, landscape);
    expect(neighbourRowPage(spread, 1, 1)).toBe(3);
    expect(neighbourRowPage(spread, 4, -1)).toBe(1);
    expect(neighbourRowPage(spread, 5, 1)).toBe(5);
  });
});

describe('anchors', () => {
  it('keeps the document point under the fingers when the zoom changes', () => {
    const before = computeLayout(pages(10), 'width', 1, landscape);
    const scroll = { left: 0, top: scrollTopForPage(before, 3) + 200 };
    const focus = { x: 400, y: 300 };
    const anchor = anchorAt(before, scroll, focus.x, focus.y)!;
    expect(anchor.page).toBe(3);
    const after = computeLayout(pages(10), 'width', 2, landscape);
    const moved = scrollForAnchor(after, anchor, focus.x, focus.y);
    const again = anchorAt(after, moved, focus.x, focus.y)!;
    expect(again.page).toBe(3);
    expect(again.x).toBeCloseTo(anchor.x, 2);
    expect(again.y).toBeCloseTo(anchor.y, 2);
  });
});

describe('renderPlan', () => {
  it('draws the visible pages first, then ahead in the reading direction, then one behind', () => {
    expect(renderPlan([4, 5], 4, 83).order).toEqual([4, 5, 6, 7, 3]);
    expect(renderPlan([4, 5], 5, 83, { direction: -1 }).order).toEqual([5, 4, 3, 2, 6]);
  });

  it('keeps canvases only near the viewport, within the document', () => {
    expect(renderPlan([40, 40], 40, 83).keep).toEqual([38, 42]);
    expect(renderPlan([1, 1], 1, 2)).toEqual({ order: [1, 2], keep: [1, 2] });
  });
});
