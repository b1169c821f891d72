import { describe, expect, it } from 'vitest';
import { backoffDelay, closeAction, defaultBackoff } from './backoff';

describe('backoffDelay', () => {
  it('grows exponentially between half and the whole ceiling', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 0.999999)).toBe(500);
    expect(backoffDelay(1, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
  });

  it('never waits longer than the maximum, however many attempts', () => {
    for (const attempt of [10, 50, 1000]) {
      expect(backoffDelay(attempt, () => 0.999999)).toBeLessThanOrEqual(defaultBackoff.maximumMilliseconds);
      expect(backoffDelay(attempt, () => 0)).toBe(defaultBackoff.maximumMilliseconds / 2);
    }
  });

  it('spreads tablets that retry together', () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.95].map((unit) => backoffDelay(4, () => unit)));
    expect(delays.size).toBe(4);
  });

  it('tolerates a random source out of range', () => {
    expect(backoffDelay(0, () => 5)).toBe(500);
    expect(backoffDelay(-3, () => -1)).toBe(250);
  });
});

describe('closeAction', () => {
  it('logs in again only when the session ended', () => {
    expect(closeAction(4001)).toBe('login');
  });

  it('reconnects after a restart, an access change, falling behind or a dropped network', () => {
    for (const code of [1001, 4003, 4008, 1006, 1011]) expect(closeAction(code)).toBe('reconnect');
  });
});
