import { describe, expect, it } from 'vitest';
import { formatCountdown, formatElapsed, remainingSeconds } from './countdown';

const turn = (limit: number | null) => ({
  user_id: 'u_1',
  display_name: 'Đại biểu A',
  started_at_ms: 100_000,
  limit_seconds: limit,
});

describe('remainingSeconds', () => {
  it('counts down from the limit', () => {
    expect(remainingSeconds(turn(180), 100_000)).toBe(180);
    expect(remainingSeconds(turn(180), 101_999)).toBe(179);
    expect(remainingSeconds(turn(180), 280_000)).toBe(0);
    expect(remainingSeconds(turn(180), 292_000)).toBe(-12);
  });

  it('has nothing to count without a limit', () => {
    expect(remainingSeconds(turn(null), 150_000)).toBeNull();
  });

  it('treats a clock behind the server as no time elapsed', () => {
    expect(remainingSeconds(turn(60), 90_000)).toBe(60);
  });
});

describe('formatCountdown', () => {
  it('shows minutes and two-digit seconds', () => {
    expect(formatCountdown(180)).toBe('3:00');
    expect(formatCountdown(179)).toBe('2:59');
    expect(formatCountdown(9)).toBe('0:09');
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(3600)).toBe('60:00');
  });

  it('marks overtime with a plus', () => {
    expect(formatCountdown(-12)).toBe('+0:12');
    expect(formatCountdown(-75)).toBe('+1:15');
  });

  it('shows elapsed time for a turn without a limit', () => {
    expect(formatElapsed(turn(null), 165_500)).toBe('1:05');
  });
});
