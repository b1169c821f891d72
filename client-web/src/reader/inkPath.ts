// Ink strokes as SVG path data, drawn with perfect-freehand (pure).
//
// A stroke is stored in page fractions; it is drawn in the page's CSS
// pixels of the moment, so it scales with zoom and follows the page after
// the tablet turns.

import { getStroke } from 'perfect-freehand';
import type { InkPoint, InkTool } from '../annotations/model';

export interface InkShape {
  tool: InkTool;
  /** A fraction of the page's width. */
  width: number;
  points: readonly InkPoint[];
}

/** Whether the points carry no real pressure (a mouse or a finger reports
 * one value throughout): perfect-freehand then simulates it from speed. */
export function lacksPressure(points: readonly InkPoint[]): boolean {
  const first = points[0]?.pressure;
  return points.every((point) => Math.abs(point.pressure - (first ?? 0)) < 0.01);
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The outline of a stroke on a page drawn `pageWidth` × `pageHeight` CSS
 * pixels, as a closed SVG path ('' for no points). */
export function inkPathData(shape: InkShape, pageWidth: number, pageHeight: number): string {
  if (shape.points.length === 0) return '';
  const input = shape.points.map((point) => [point.x * pageWidth, point.y * pageHeight, point.pressure]);
  const outline = getStroke(input, {
    size: Math.max(1, shape.width * pageWidth),
    thinning: shape.tool === 'highlighter' ? 0 : 0.5,
    smoothing: 0.5,
    streamline: 0.4,
    simulatePressure: lacksPressure(shape.points),
    last: true,
  });
  if (outline.length < 2) return '';
  // Quadratic curves through the midpoints of the outline (the usual way to
  // draw perfect-freehand's polygon smoothly).
  const [firstX = 0, firstY = 0] = outline[0] ?? [];
  let data = `M${round(firstX)},${round(firstY)} Q`;
  for (let index = 0; index < outline.length; index += 1) {
    const [x0 = 0, y0 = 0] = outline[index] ?? [];
    const [x1 = 0, y1 = 0] = outline[(index + 1) % outline.length] ?? [];
    data += `${round(x0)},${round(y0)} ${round((x0 + x1) / 2)},${round((y0 + y1) / 2)} `;
  }
  return `${data.trimEnd()} Z`;
}
