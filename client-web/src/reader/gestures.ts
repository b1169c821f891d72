// What a finger gesture on the reader's page means (pure): a tap, a double
// tap, the zoom a pinch asks for. Swipes are `swipeTurn` in
// `navigation.ts`.

import { clampZoom } from './layout';

export interface TouchPoint {
  x: number;
  y: number;
}

export interface Tap extends TouchPoint {
  /** Milliseconds, any clock. */
  time: number;
}

/** How far a finger may move, and how long it may stay, for a tap. */
export const tapSlop = 12;
export const tapMaximumMilliseconds = 350;
/** Two taps this close in time and place are a double tap. */
export const doubleTapMilliseconds = 320;
export const doubleTapDistance = 40;

export function distance(a: TouchPoint, b: TouchPoint): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function midpoint(a: TouchPoint, b: TouchPoint): TouchPoint {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

/** Whether a touch from `start` to `end` that lasted `milliseconds` is a tap. */
export function isTap(start: TouchPoint, end: TouchPoint, milliseconds: number): boolean {
  return distance(start, end) <= tapSlop && milliseconds <= tapMaximumMilliseconds;
}

/** Whether `tap` completes a double tap begun by `previous`. */
export function isDoubleTap(previous: Tap | null, tap: Tap): boolean {
  if (!previous) return false;
  const elapsed = tap.time - previous.time;
  return elapsed >= 0 && elapsed <= doubleTapMilliseconds && distance(previous, tap) <= doubleTapDistance;
}

/** The zoom a pinch asks for: the zoom it began at, times how far apart
 * the fingers now are against how far they began. */
export function pinchZoom(startZoom: number, startDistance: number, currentDistance: number): number {
  if (startDistance <= 0 || currentDistance <= 0) return clampZoom(startZoom);
  return clampZoom(startZoom * (currentDistance / startDistance));
}

/** A double tap zooms a page fitted to the screen to twice its size, and
 * any other zoom back to the fit. */
export function doubleTapZoom(zoom: number): number {
  return Math.abs(zoom - 1) < 0.01 ? 2 : 1;
}
