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
    expect(isLiveInkMessage(liveInkMessage(strokeFacts, points, 'drawing'))).toBe(true);
    expect(isLiveInkMessage({ ...liveInkMessage(strokeFacts, points, 'drawing'), points: [1, 2] })).toBe(
      false,
    );
    expect(isLiveInkMessage(liveInkMessage(strokeFacts, points, 'committed'))).toBe(true);
    expect(isLiveInkMessage({ ...liveInkMessage(strokeFacts, points, 'committed'), committed: 'yes' })).toBe(
      false,
    );
    expect(isLiveInkMessage({ type: 'presence' })).toBe(false);
    expect(isLiveInkMessage('live-ink')).toBe(false);
    expect(isLiveInkMessage(null)).toBe(false);
  });
});

describe('the ink others are drawing', () => {
  it('shows a stroke as its points arrive and drops it when it is abandoned', () => {
    let state: LiveInkState = new Map();
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points.slice(0, 1), 'drawing'), 0);
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, 'drawing'), 50);
    const [drawing] = liveStrokesOnPage(state, 'doc-1', 2);
    expect(drawing?.points).toHaveLength(2);
    expect(drawing?.points[1]?.x).toBeCloseTo(0.2, 4);
    expect(liveStrokesOnPage(state, 'doc-1', 1)).toEqual([]);
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, 'abandoned'), 100);
    expect(state.size).toBe(0);
  });

  it('keeps a committed stroke on screen until the layer holds it, so it never blinks out', () => {
    let state: LiveInkState = new Map();
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points.slice(0, 1), 'drawing'), 0);
    // The end arrives before the author's sync message brings the stroke.
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, 'committed'), 100);
    state = pruneLiveInk(state, 150, new Set());
    const [ended] = liveStrokesOnPage(state, 'doc-1', 2);
    expect(ended?.points).toHaveLength(2);
    // The layer now holds it: the committed stroke takes over.
    expect(pruneLiveInk(state, 200, new Set(['live-1'])).size).toBe(0);
    // A commit that never arrives (its author went offline) fades like silence.
    expect(pruneLiveInk(state, 100 + liveInkTimeoutMilliseconds, new Set()).size).toBe(0);
  });

  it('takes the end of a stroke from an earlier version, which does not say how it ended, as abandoned', () => {
    let state: LiveInkState = new Map();
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, 'drawing'), 0);
    const earlierEnd = { ...liveInkMessage(strokeFacts, points, 'drawing'), done: true };
    expect(isLiveInkMessage(earlierEnd)).toBe(true);
    expect(receiveLiveInk(state, earlierEnd, 100).size).toBe(0);
  });

  it('forgets a stroke whose author fell silent, or that was committed', () => {
    let state: LiveInkState = new Map();
    state = receiveLiveInk(state, liveInkMessage(strokeFacts, points, 'drawing'), 0);
    state = receiveLiveInk(
      state,
      liveInkMessage({ ...strokeFacts, strokeId: 'live-2' }, points, 'drawing'),
      0,
    );
    const unchanged = pruneLiveInk(state, 10, new Set());
    expect(unchanged).toBe(state);
    expect([...pruneLiveInk(state, 10, new Set(['live-2'])).keys()]).toEqual(['live-1']);
    expect(pruneLiveInk(state, liveInkTimeoutMilliseconds, new Set()).size).toBe(0);
  });
});
