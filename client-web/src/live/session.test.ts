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
    expect(() => reportReadiness([], true, 'm_1')).not.toThrow();
  });
});

describe('FollowMode return place', () => {
  it('remembers where the delegate read when they chose to follow, once', () => {
    const mode = new FollowMode();
    mode.set(false);
    mode.followFrom({ documentId: 'd_1', page: 12 });
    expect(mode.following).toBe(true);
    expect(mode.returnPlace).toEqual({ documentId: 'd_1', page: 12 });
    expect(mode.takeReturnPlace()).toEqual({ documentId: 'd_1', page: 12 });
    expect(mode.takeReturnPlace()).toBeNull();
  });

  it('keeps no place when the tablet was following already', () => {
    const mode = new FollowMode();
    mode.followFrom({ documentId: 'd_1', page: 3 });
    expect(mode.returnPlace).toBeNull();
  });

  it('a later choice to follow replaces the place to go back to', () => {
    const mode = new FollowMode();
    mode.set(false);
    mode.followFrom({ documentId: 'd_1', page: 3 });
    mode.set(false);
    mode.followFrom({ documentId: 'd_2', page: 40 });
    expect(mode.returnPlace).toEqual({ documentId: 'd_2', page: 40 });
  });
});
