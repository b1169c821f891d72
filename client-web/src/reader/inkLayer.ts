// Annotations drawn over a rendered page, for every screen that shows
// them: the reader (`screens/readerAnnotations.ts`, which adds the
// delegate's notebook and the pen) and the remote point's big screen
// (`screens/bigScreen.ts`, read-only). Here: the page frame (the pdf.js
// canvas, an SVG for ink, a layer for pinned notes), a stroke as an SVG
// path (`inkPath.ts`), the shared layer's strokes and the ink in progress
// on it, and `followSharedLayer`, which keeps the ink in progress that
// others broadcast on a shared layer's handle.

import type { DocHandle } from '@automerge/automerge-repo/slim';
import {
  isLiveInkMessage,
  liveStrokesOnPage,
  pruneLiveInk,
  receiveLiveInk,
  type LiveInkState,
  type LiveStroke,
} from '../annotations/liveInk';
import {
  unpackPoints,
  type AnnotationDocument,
  type InkPoint,
  type InkTool,
  type PinnedNote,
  type StrokeRecord,
} from '../annotations/model';
import { h } from '../ui/dom';
import { inkPathData } from './inkPath';

const svgNamespace = 'http://www.w3.org/2000/svg';

export function svgElement<Tag extends keyof SVGElementTagNameMap>(tag: Tag): SVGElementTagNameMap[Tag] {
  return document.createElementNS(svgNamespace, tag);
}

/** A rendered page with room for ink and notes over it. */
export interface PageFrame {
  element: HTMLElement;
  svg: SVGSVGElement;
  notes: HTMLElement;
  page: number;
}

/** Wraps a freshly rendered page canvas; `tool` is the reader's current
 * tool ('view' where nothing can be drawn). */
export function createPageFrame(canvas: HTMLCanvasElement, page: number, tool = 'view'): PageFrame {
  const svg = svgElement('svg');
  svg.setAttribute('class', 'ink-layer');
  svg.setAttribute('aria-hidden', 'true');
  const notes = h('div', { className: 'note-layer' });
  const element = h('div', { className: 'page-frame', attrs: { 'data-tool': tool } }, canvas, svg, notes);
  return { element, svg, notes, page };
}

/** The frame's size in CSS pixels, set as the SVG's view box so that ink
 * is drawn in the page's pixels of the moment. */
export function fitInkLayer(frame: PageFrame): { width: number; height: number } {
  const width = frame.element.clientWidth || 1;
  const height = frame.element.clientHeight || 1;
  frame.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  return { width, height };
}

/** A stroke as an SVG path on a page drawn `width` × `height`. */
export function strokeElement(
  stroke: { tool: InkTool; width: number; color: string },
  points: readonly InkPoint[],
  width: number,
  height: number,
  className: string,
): SVGPathElement {
  const path = svgElement('path');
  path.setAttribute('d', inkPathData({ tool: stroke.tool, width: stroke.width, points }, width, height));
  path.setAttribute('fill', stroke.color);
  path.setAttribute('class', `${className} ink-${stroke.tool}`);
  return path;
}

/** A group of stored strokes (`data-stroke-id` on each path). */
export function strokeGroup(
  groupClass: string,
  strokes: readonly StrokeRecord[],
  width: number,
  height: number,
  strokeClass: (stroke: StrokeRecord) => string = () => 'ink-stroke',
): SVGGElement {
  const group = svgElement('g');
  group.setAttribute('class', groupClass);
  for (const stroke of strokes) {
    const path = strokeElement(stroke, unpackPoints(stroke.points), width, height, strokeClass(stroke));
    path.dataset['strokeId'] = stroke.id;
    group.append(path);
  }
  return group;
}

/** The ink others are drawing, as a group. */
export function liveStrokeGroup(strokes: readonly LiveStroke[], width: number, height: number): SVGGElement {
  const group = svgElement('g');
  group.setAttribute('class', 'ink-live');
  for (const stroke of strokes)
    group.append(strokeElement(stroke, stroke.points, width, height, 'ink-stroke'));
  return group;
}

/** Where a pinned note sits on the page (percentages of the frame). */
export function notePosition(note: PinnedNote): string {
  return `left: ${note.x * 100}%; top: ${note.y * 100}%`;
}

/** A shared layer's handle, watched for changes and for the ink in
 * progress others broadcast on it. */
export interface SharedLayerWatch {
  /** The strokes in progress on one page, once the silent ones and those
   * already committed to the layer are dropped. */
  liveStrokes(documentId: string, page: number, committed: readonly StrokeRecord[]): LiveStroke[];
  /** Whether any ink is in progress (worth a redraw to let it fade). */
  hasLiveInk(): boolean;
}

/** Calls `onUpdate` when the layer changes, when ink in progress arrives,
 * and every second while some is shown (so a stroke whose author went
 * quiet fades out); stops when `signal` aborts. */
export function followSharedLayer(
  handle: DocHandle<AnnotationDocument>,
  signal: AbortSignal,
  onUpdate: () => void,
): SharedLayerWatch {
  let liveInk: LiveInkState = new Map();
  const onChange = () => onUpdate();
  const onEphemeral = ({ message }: { message: unknown }) => {
    if (!isLiveInkMessage(message)) return;
    liveInk = receiveLiveInk(liveInk, message, Date.now());
    onUpdate();
  };
  handle.on('change', onChange);
  handle.on('ephemeral-message', onEphemeral);
  const pruneTimer = window.setInterval(() => {
    if (liveInk.size > 0) onUpdate();
  }, 1_000);
  signal.addEventListener(
    'abort',
    () => {
      handle.off('change', onChange);
      handle.off('ephemeral-message', onEphemeral);
      window.clearInterval(pruneTimer);
    },
    { once: true },
  );
  return {
    liveStrokes(documentId, page, committed) {
      liveInk = pruneLiveInk(liveInk, Date.now(), new Set(committed.map((stroke) => stroke.id)));
      return liveStrokesOnPage(liveInk, documentId, page);
    },
    hasLiveInk: () => liveInk.size > 0,
  };
}
