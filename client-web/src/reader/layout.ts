// Where every page of a document sits in the reader's scrolling stage,
// and what follows from a scroll position (pure: sizes and numbers in,
// numbers out).
//
// Pages are laid out top to bottom in rows: one page a row when fitting
// the width or the page, two when showing a spread. Each row is scaled on
// its own, so a landscape page in a portrait document fits like the rest.
// Sizes are CSS pixels, rounded to whole pixels so that canvases are
// sharp; page sizes come in PDF points (pdf.js's viewport at scale 1).

/** How a page is fitted to the stage. */
export type FitMode = 'width' | 'page' | 'spread';

export interface Size {
  width: number;
  height: number;
}

export interface PlacedPage {
  /** 1-based. */
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** CSS pixels per PDF point. */
  scale: number;
}

export interface Row {
  top: number;
  height: number;
  pages: PlacedPage[];
}

export interface Layout {
  mode: FitMode;
  zoom: number;
  rows: Row[];
  /** `pages[n - 1]` is page n. */
  pages: PlacedPage[];
  contentWidth: number;
  contentHeight: number;
  stage: Size;
}

/** The space around the pages and between rows and pages, CSS pixels. */
export const pageMargin = 8;
export const pageGap = 10;
/** The widest a page is drawn when fitting the width at zoom 1: wider lines
 * of text get hard to follow on a desktop monitor. A 1280 px tablet is
 * well below it. */
export const maximumFitWidth = 1400;
export const minimumZoom = 0.5;
export const maximumZoom = 4;

export function clampZoom(zoom: number): number {
  if (!Number.isFinite(zoom)) return 1;
  return Math.min(maximumZoom, Math.max(minimumZoom, zoom));
}

/** The pages of each row: `[[1], [2], …]`, or pairs for a spread. */
export function rowsOfPages(pageCount: number, mode: FitMode): number[][] {
  const rows: number[][] = [];
  const perRow = mode === 'spread' ? 2 : 1;
  for (let first = 1; first <= pageCount; first += perRow) {
    const row = [first];
    if (perRow === 2 && first + 1 <= pageCount) row.push(first + 1);
    rows.push(row);
  }
  return rows;
}

function rowScale(sizes: readonly Size[], mode: FitMode, stage: Size): number {
  const availableWidth = Math.max(1, stage.width - 2 * pageMargin);
  const availableHeight = Math.max(1, stage.height - 2 * pageMargin);
  const tallest = Math.max(...sizes.map((size) => size.height), 1);
  switch (mode) {
    case 'width': {
      const width = Math.max(sizes[0]?.width ?? 1, 1);
      return Math.min(availableWidth, maximumFitWidth) / width;
    }
    case 'page': {
      const width = Math.max(sizes[0]?.width ?? 1, 1);
      return Math.min(availableWidth / width, availableHeight / tallest);
    }
    case 'spread': {
      // A last page alone is drawn as big as its neighbours.
      const widths = sizes.length === 1 ? 2 * (sizes[0]?.width ?? 1) : sizes.reduce((s, x) => s + x.width, 0);
      return Math.min((availableWidth - pageGap) / Math.max(widths, 1), availableHeight / tallest);
    }
  }
}

/** Lays out `sizes.length` pages for a stage of `stage` CSS pixels. */
export function computeLayout(sizes: readonly Size[], mode: FitMode, zoom: number, stage: Size): Layout {
  const clampedZoom = clampZoom(zoom);
  const pages: PlacedPage[] = [];
  const rows: Row[] = [];
  let top = pageMargin;
  let widestRow = 0;
  for (const pageNumbers of rowsOfPages(sizes.length, mode)) {
    const rowSizes = pageNumbers.map((page) => sizes[page - 1] ?? { width: 1, height: 1 });
    const scale = rowScale(rowSizes, mode, stage) * clampedZoom;
    const placed = pageNumbers.map((page, index) => {
      const size = rowSizes[index] ?? { width: 1, height: 1 };
      return {
        page,
        x: 0,
        y: top,
        width: Math.max(1, Math.round(size.width * scale)),
        height: Math.max(1, Math.round(size.height * scale)),
        scale,
      };
    });
    const height = Math.max(...placed.map((page) => page.height));
    const width = placed.reduce((sum, page) => sum + page.width, 0) + pageGap * (placed.length - 1);
    widestRow = Math.max(widestRow, width);
    for (const page of placed) page.y = top + Math.round((height - page.height) / 2);
    rows.push({ top, height, pages: placed });
    pages.push(...placed);
    top += height + pageGap;
  }
  const contentWidth = Math.max(stage.width, widestRow + 2 * pageMargin);
  for (const row of rows) {
    const width = row.pages.reduce((sum, page) => sum + page.width, 0) + pageGap * (row.pages.length - 1);
    let x = Math.round((contentWidth - width) / 2);
    for (const page of row.pages) {
      page.x = x;
      x += page.width + pageGap;
    }
  }
  const contentHeight = rows.length === 0 ? stage.height : top - pageGap + pageMargin;
  return { mode, zoom: clampedZoom, rows, pages, contentWidth, contentHeight, stage };
}

/** The index of the first row whose bottom is below `y` (rows are sorted). */
function firstRowEndingBelow(layout: Layout, y: number): number {
  let low = 0;
  let high = layout.rows.length - 1;
  let found = layout.rows.length;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const row = layout.rows[middle] as Row;
    if (row.top + row.height > y) {
      found = middle;
      high = middle - 1;
    } else {
      low = middle + 1;
    }
  }
  return found;
}

/** The first and last page with any part inside the viewport, or `null`
 * for an empty document. */
export function visiblePages(
  layout: Layout,
  scrollTop: number,
  viewportHeight: number,
): [number, number] | null {
  if (layout.rows.length === 0) return null;
  const bottom = scrollTop + viewportHeight;
  let index = Math.min(firstRowEndingBelow(layout, scrollTop), layout.rows.length - 1);
  const firstRow = layout.rows[index] as Row;
  let lastRow = firstRow;
  while (index + 1 < layout.rows.length && (layout.rows[index + 1] as Row).top < bottom) {
    index += 1;
    lastRow = layout.rows[index] as Row;
  }
  return [firstRow.pages[0]?.page ?? 1, lastRow.pages.at(-1)?.page ?? 1];
}

/** How far down the viewport the reader's eyes are taken to be: the page
 * under this line is the current page. */
const readingLine = 0.3;

/** The page being read: the one under the reading line, or the last page
 * once the stage is scrolled to its end. In a spread, the row's first. */
export function currentPage(layout: Layout, scrollTop: number, viewportHeight: number): number {
  if (layout.rows.length === 0) return 1;
  const maximumScroll = Math.max(0, layout.contentHeight - viewportHeight);
  if (scrollTop >= maximumScroll - 1 && maximumScroll > 0) {
    // At the end: the last row that starts inside the viewport.
    const rows = layout.rows.filter((row) => row.top < scrollTop + viewportHeight);
    return rows.at(-1)?.pages[0]?.page ?? 1;
  }
  const index = Math.min(
    firstRowEndingBelow(layout, scrollTop + viewportHeight * readingLine),
    layout.rows.length - 1,
  );
  return layout.rows[index]?.pages[0]?.page ?? 1;
}

/** The row a page is in. */
export function rowOf(layout: Layout, page: number): Row | undefined {
  const placed = layout.pages[page - 1];
  if (!placed) return undefined;
  return layout.rows[firstRowEndingBelow(layout, placed.y)];
}

export function maximumScrollTop(layout: Layout): number {
  return Math.max(0, layout.contentHeight - layout.stage.height);
}

export function maximumScrollLeft(layout: Layout): number {
  return Math.max(0, layout.contentWidth - layout.stage.width);
}

/** The scroll position that shows `page`'s row from its top. */
export function scrollTopForPage(layout: Layout, page: number): number {
  const row = rowOf(layout, page);
  if (!row) return 0;
  return Math.min(maximumScrollTop(layout), Math.max(0, row.top - pageMargin));
}

/** The first page of the row after (`+1`) or before (`-1`) `page`'s,
 * staying put at either end. */
export function neighbourRowPage(layout: Layout, page: number, step: 1 | -1): number {
  const row = rowOf(layout, page);
  if (!row) return page;
  const index = layout.rows.indexOf(row) + step;
  const target = layout.rows[Math.min(Math.max(index, 0), layout.rows.length - 1)];
  return target?.pages[0]?.page ?? page;
}

/** A point of the document, as a page and fractions of it (which may fall
 * outside 0…1 in the margins): what must stay under the fingers when the
 * zoom changes, and at the top of the screen when the tablet turns. */
export interface Anchor {
  page: number;
  x: number;
  y: number;
}

/** The document point under `(focusX, focusY)` of the viewport. */
export function anchorAt(
  layout: Layout,
  scroll: { left: number; top: number },
  focusX: number,
  focusY: number,
): Anchor | null {
  if (layout.rows.length === 0) return null;
  const x = scroll.left + focusX;
  const y = scroll.top + focusY;
  const row =
    layout.rows[Math.min(firstRowEndingBelow(layout, y), layout.rows.length - 1)] ?? (layout.rows[0] as Row);
  let nearest = row.pages[0] as PlacedPage;
  for (const page of row.pages) if (x >= page.x) nearest = page;
  return {
    page: nearest.page,
    x: (x - nearest.x) / nearest.width,
    y: (y - nearest.y) / nearest.height,
  };
}

/** The scroll position that puts `anchor` at `(focusX, focusY)` of the
 * viewport, within what the stage can scroll. */
export function scrollForAnchor(
  layout: Layout,
  anchor: Anchor,
  focusX: number,
  focusY: number,
): { left: number; top: number } {
  const page = layout.pages[anchor.page - 1];
  if (!page) return { left: 0, top: 0 };
  const left = page.x + anchor.x * page.width - focusX;
  const top = page.y + anchor.y * page.height - focusY;
  return {
    left: Math.round(Math.min(maximumScrollLeft(layout), Math.max(0, left))),
    top: Math.round(Math.min(maximumScrollTop(layout), Math.max(0, top))),
  };
}

/** Which pages to draw, most urgent first, and which may keep a canvas.
 * The visible pages come first (nearest the current one first), then the
 * next `ahead` pages in the reading direction and `behind` pages back, so
 * that a page turn finds its page drawn; a canvas beyond `keep` pages
 * from the visible ones is given back (a tablet has little memory). */
export function renderPlan(
  visible: [number, number],
  current: number,
  pageCount: number,
  options: { ahead?: number; behind?: number; keep?: number; direction?: 1 | -1 } = {},
): { order: number[]; keep: [number, number] } {
  const { ahead = 2, behind = 1, keep = 2, direction = 1 } = options;
  const [first, last] = visible;
  const inDocument = (page: number) => page >= 1 && page <= pageCount;
  const order: number[] = [];
  const add = (page: number) => {
    if (inDocument(page) && !order.includes(page)) order.push(page);
  };
  const visiblePagesList: number[] = [];
  for (let page = first; page <= last; page += 1) visiblePagesList.push(page);
  visiblePagesList.sort((a, b) => Math.abs(a - current) - Math.abs(b - current) || a - b);
  visiblePagesList.forEach(add);
  const forward = (count: number) => {
    for (let step = 1; step <= count; step += 1) add(last + step);
  };
  const backward = (count: number) => {
    for (let step = 1; step <= count; step += 1) add(first - step);
  };
  if (direction > 0) {
    forward(ahead);
    backward(behind);
  } else {
    backward(ahead);
    forward(behind);
  }
  return {
    order,
    keep: [Math.max(1, first - keep), Math.min(pageCount, last + keep)],
  };
}
