// The watermark drawn over every page of a confidential (mật) document:
// the reader's display name and the time the page was shown, repeated
// diagonally across the page so that a photo of any part of the screen
// says who was reading it and when.
//
// It is painted into the same canvas as the page, not laid over it in the
// DOM, so removing an element does not remove it.

import { formatLocalTimestamp } from '../format/format';
import { translate, type Language } from '../i18n/i18n';

/** "Đại biểu 01 · 08:05 23/11/2026 · MẬT". */
export function watermarkText(displayName: string, shownAt: Date, language: Language): string {
  return translate(language, 'reader.watermark', { name: displayName, time: formatLocalTimestamp(shownAt) });
}

/** Where each copy of the watermark line goes, in canvas pixels, before
 * rotation about the canvas centre: enough rows and columns to cover the
 * corners of a rotated page. */
export function watermarkPositions(
  width: number,
  height: number,
  lineWidth: number,
  lineHeight: number,
): { x: number; y: number }[] {
  const diagonal = Math.hypot(width, height);
  const stepX = Math.max(lineWidth * 1.4, 1);
  const stepY = Math.max(lineHeight * 5, 1);
  const positions: { x: number; y: number }[] = [];
  let row = 0;
  for (let y = -diagonal / 2; y <= diagonal / 2; y += stepY, row += 1) {
    // Every other row is shifted by half a step, like bricks.
    const shift = row % 2 === 0 ? 0 : stepX / 2;
    for (let x = -diagonal / 2 - shift; x <= diagonal / 2; x += stepX) {
      positions.push({ x, y });
    }
  }
  return positions;
}

/** Paints `text` diagonally and repeatedly over a rendered page. */
export function drawWatermark(
  context: CanvasRenderingContext2D,
  width: number,
  height: number,
  text: string,
): void {
  const fontSize = Math.max(14, Math.round(Math.min(width, height) / 22));
  context.save();
  context.font = `600 ${fontSize}px "Noto Sans", system-ui, sans-serif`;
  context.textBaseline = 'middle';
  context.fillStyle = 'rgba(185, 28, 28, 0.16)';
  context.translate(width / 2, height / 2);
  context.rotate(-Math.PI / 6);
  const lineWidth = context.measureText(text).width;
  for (const { x, y } of watermarkPositions(width, height, lineWidth, fontSize)) {
    context.fillText(text, x, y);
  }
  context.restore();
}
