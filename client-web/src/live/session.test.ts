import { describe, expect, it } from 'vitest';
import { FollowMode, reportReadiness } from './session';

describe('FollowMode', () => {
  it('follows by default, leaves and returns, telling listeners of each change once', () => {
    const mode = new FollowMode();
    const seen: boolean[] = [];
    mode.subscribe((following) => seen.push(following), new AbortController().signal);
    expect(mode.following).toBe(true);
    mode.set(false);
    mode.set(false);
    mode.set(true);
    expect(seen).toEqual([false, true]);
  });

  it('remembers a navigation caused by the presenter for exactly one screen', () => {
    const mode = new FollowMode();
    expect(mode.takeFollowNavigation()).toBe(false);
    mode.markFollowNavigation();
    expect(mode.takeFollowNavigation()).toBe(true);
    expect(mode.takeFollowNavigation()).toBe(false);
  });

  it('stops telling a listener whose screen was left', () => {
    const mode = new FollowMode();
    const left = new AbortController();
    const seen: boolean[] = [];
    mode.subscribe((following) => seen.push(following), left.signal);
    left.abort();
    mode.set(false);
    expect(seen).toEqual([]);
  });
});

describe('reportReadiness', () => {
  it('does nothing without an open live session', () => {
    expect(() => reportReadiness(3, 12, 'm_1')).not.toThrow();
  });
});
