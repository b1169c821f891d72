import { describe, expect, it } from 'vitest';
import {
  isLiveInkMessage,
  liveInkMessage,
  liveInkTimeoutMilliseconds,
  liveStrokesOnPage,
  pruneLiveInk,
  receiveLiveInk,
  type LiveInkState,
} from './liveInk';

const strokeFacts = {
  strokeId: 'live-1',
  documentId: 'doc-1',
  page: 2,
  tool: 'pen' as const,
  color: '#1565c0',
  width: 0.004,
};
const points = [
  { x: 0.1, y: 0.1, pressure: 0.5 },
  { x: 0.2, y: 0.15, pressure: 0.6 },
];

describe('live ink messages', () => {
  it('are recognised, and anything else is not', () => {
    expect(isLiveInkMessage(liveInkMessage(strokeFacts, points, false))).toBe(true);
    expect(isLiveInkMessage({ ...liveInkMessage(strokeFacts, points, false), points: [1, 2] })).toBe(false);
    expect(isLiveInkMessage({ type: 'presence' })).toBe(false);
    expect(isLiveInkMessage('live-ink')).toBe(false);
    expect(isLiveInkMessage(null)).toBe(false);
  });
});

describe('the ink others are drawing', () => {
  it('shows a stroke as its points arrive and drops it at its end', () => {
    let state: LiveInkState = new Map();
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points.slice(0, 1), false), 0);
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, false), 50);
    const [drawing] = liveStrokesOnPage(state, 'doc-1', 2);
    expect(drawing?.points).toHaveLength(2);
    expect(drawing?.points[1]?.x).toBeCloseTo(0.2, 4);
    expect(liveStrokesOnPage(state, 'doc-1', 1)).toEqual([]);
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, true), 100);
    expect(state.size).toBe(0);
  });

  it('forgets a stroke whose author fell silent, or that was committed', () => {
    let state: LiveInkState = new Map();
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, false), 0);
    state = receiveLiveInk(state, liveInkMessage({ ...strokeFacts, strokeId: 'live-2' }, points, false), 0);
    const unchanged = pruneLiveInk(state, 10, new Set());
    expect(unchanged).toBe(state);
    expect([...pruneLiveInk(state, 10, new Set(['live-2'])).keys()]).toEqual(['live-1']);
    expect(pruneLiveInk(state, liveInkTimeoutMilliseconds, new Set()).size).toBe(0);
  });
});
