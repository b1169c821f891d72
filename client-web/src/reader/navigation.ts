// The reader's decisions, apart from the DOM and pdf.js: which page a
// gesture or key leads to, and which zoom step comes next.

/** Zoom factors relative to "page fits the screen width". */
export const zoomSteps: readonly number[] = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

/** The page number brought into 1…pageCount. */
export function clampPage(page: number, pageCount: number): number {
  if (!Number.isFinite(page)) return 1;
  return Math.min(Math.max(1, Math.round(page)), Math.max(1, pageCount));
}

/** The next larger (`+1`) or smaller (`-1`) zoom step; stays put at either
 * end. A zoom between steps moves to the nearest step in that direction. */
export function nextZoom(current: number, direction: 1 | -1): number {
  const first = zoomSteps[0] ?? 1;
  const last = zoomSteps[zoomSteps.length - 1] ?? 1;
  if (direction > 0) return zoomSteps.find((step) => step > current + 1e-9) ?? last;
  return [...zoomSteps].reverse().find((step) => step < current - 1e-9) ?? first;
}

export type PageTurn = 'previous' | 'next' | 'first' | 'last';

/** The page turn a finger swipe means: a mostly horizontal move of at least
 * `minimumDistance` pixels. Swiping left (finger moves towards the left)
 * brings the next page, as with paper. */
export function swipeTurn(deltaX: number, deltaY: number, minimumDistance = 60): PageTurn | null {
  if (Math.abs(deltaX) < minimumDistance) return null;
  if (Math.abs(deltaY) > Math.abs(deltaX) / 2) return null;
  return deltaX < 0 ? 'next' : 'previous';
}

/** The page turn a key means, or `null` for keys the reader leaves alone. */
export function keyTurn(key: string): PageTurn | null {
  switch (key) {
    case 'ArrowRight':
    case 'PageDown':
      return 'next';
    case 'ArrowLeft':
    case 'PageUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    default:
      return null;
  }
}

/** The page a turn leads to from `page`. */
export function applyTurn(turn: PageTurn, page: number, pageCount: number): number {
  switch (turn) {
    case 'next':
      return clampPage(page + 1, pageCount);
    case 'previous':
      return clampPage(page - 1, pageCount);
    case 'first':
      return 1;
    case 'last':
      return clampPage(pageCount, pageCount);
  }
}

/** The page typed into "Đến trang", or `null` when it is not a page of
 * this document. */
export function parsePageInput(text: string, pageCount: number): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,6}$/.test(trimmed)) return null;
  const page = Number(trimmed);
  return page >= 1 && page <= pageCount ? page : null;
}

/** The scale at which a page `pageWidth` points wide fills
 * `availableWidth` CSS pixels, times the zoom. */
export function fitWidthScale(pageWidth: number, availableWidth: number, zoom: number): number {
  if (pageWidth <= 0 || availableWidth <= 0) return zoom;
  return (availableWidth / pageWidth) * zoom;
}

/** The device pixels per CSS pixel to render at: the screen's own ratio,
 * lowered when the canvas would exceed `maximumPixels` (tablet browsers
 * refuse, or go blank on, canvases much above 16 million pixels; and a
 * reader keeps several: 10 million is 40 MB each, a whole A4 page fitted
 * to a 1280 px screen at twice its pixels). */
export function renderPixelRatio(
  cssWidth: number,
  cssHeight: number,
  devicePixelRatio: number,
  maximumPixels = 10_000_000,
): number {
  const wanted = Number.isFinite(devicePixelRatio) && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const area = cssWidth * cssHeight;
  if (area <= 0) return wanted;
  return Math.min(wanted, Math.sqrt(maximumPixels / area));
}
