import { describe, expect, it } from 'vitest';
import {
  dayNumber,
  formatDuration,
  formatFileSize,
  formatLocalTimestamp,
  formatMeetingTime,
  formatPageCount,
  parseWallClock,
  wallClockAt,
} from './format';

describe('parseWallClock', () => {
  it('keeps the wall-clock time and offset written in the timestamp', () => {
    const wall = parseWallClock('2026-11-23T08:00:00+07:00');
    expect(wall).toMatchObject({ year: 2026, month: 11, day: 23, hour: 8, minute: 0, offsetMinutes: 420 });
    expect(wall?.epochMilliseconds).toBe(Date.UTC(2026, 10, 23, 1, 0, 0));
  });

  it('knows the weekday of the meeting day', () => {
    // 23 November 2026 is a Monday.
    expect(parseWallClock('2026-11-23T08:00:00+07:00')?.weekday).toBe(1);
  });

  it('accepts utc, fractional seconds and negative offsets', () => {
    expect(parseWallClock('2026-11-23T01:00:00Z')?.offsetMinutes).toBe(0);
    expect(parseWallClock('2026-11-23T01:00:00.250+07:00')?.hour).toBe(1);
    expect(parseWallClock('2026-11-22T20:00:00-05:00')?.offsetMinutes).toBe(-300);
  });

  it('rejects text that is not an rfc 3339 timestamp', () => {
    expect(parseWallClock('23/11/2026 08:00')).toBeNull();
    expect(parseWallClock('2026-02-30T08:00:00+07:00')).toBeNull();
    expect(parseWallClock('')).toBeNull();
  });
});

describe('wallClockAt', () => {
  it('moves to the next calendar day when the offset crosses midnight', () => {
    const wall = wallClockAt(Date.UTC(2026, 10, 22, 18, 30), 420);
    expect([wall.day, wall.hour, wall.minute]).toEqual([23, 1, 30]);
    expect(dayNumber(wall)).toBe(dayNumber(parseWallClock('2026-11-23T23:59:00+07:00')!));
  });
});

describe('formatMeetingTime', () => {
  it('shows time then vietnamese weekday and date', () => {
    expect(formatMeetingTime('2026-11-23T08:00:00+07:00', 'vi')).toBe('08:00 · Thứ Hai, 23/11/2026');
  });

  it('shows time then english weekday and date', () => {
    expect(formatMeetingTime('2026-11-29T14:30:00+07:00', 'en')).toBe('14:30 · Sun 29 Nov 2026');
  });

  it('shows an unreadable timestamp unchanged', () => {
    expect(formatMeetingTime('sáng thứ hai', 'vi')).toBe('sáng thứ hai');
  });
});

describe('formatFileSize', () => {
  it('uses a decimal comma in vietnamese', () => {
    expect(formatFileSize(72548, 'vi')).toBe('70,8 KB');
  });

  it('uses a decimal point in english', () => {
    expect(formatFileSize(72548, 'en')).toBe('70.8 KB');
  });

  it('switches to megabytes past 1024 kilobytes', () => {
    expect(formatFileSize(5 * 1024 * 1024 + 512 * 1024, 'en')).toBe('5.5 MB');
  });

  it('shows small files in bytes', () => {
    expect(formatFileSize(512, 'vi')).toBe('512 B');
    expect(formatFileSize(0, 'en')).toBe('0 B');
  });
});

describe('formatDuration', () => {
  it('shows minutes alone under an hour', () => {
    expect(formatDuration(30, 'vi')).toBe('30 phút');
    expect(formatDuration(0, 'en')).toBe('0 min');
  });

  it('shows hours and minutes', () => {
    expect(formatDuration(90, 'vi')).toBe('1 giờ 30 phút');
    expect(formatDuration(90, 'en')).toBe('1 h 30 min');
  });

  it('drops zero minutes after whole hours', () => {
    expect(formatDuration(120, 'vi')).toBe('2 giờ');
  });
});

describe('formatPageCount', () => {
  it('counts pages in both languages', () => {
    expect(formatPageCount(9, 'vi')).toBe('9 trang');
    expect(formatPageCount(1, 'en')).toBe('1 page');
    expect(formatPageCount(9, 'en')).toBe('9 pages');
  });
});

describe('formatLocalTimestamp', () => {
  it('writes hour, minute and date with leading zeros', () => {
    expect(formatLocalTimestamp(new Date(2026, 10, 3, 8, 5))).toBe('08:05 03/11/2026');
  });
});
