import { describe, expect, it } from 'vitest';
import type { MeetingSummary } from '../api/types';
import { calendarWeek, currentMonday, isoDate, mondayOf, noonOf, parseIsoDate } from './calendar';

function meeting(id: string, startsAt: string, title = `Họp ${id}`): MeetingSummary {
  return {
    id,
    title,
    starts_at: startsAt,
    place: 'Hội trường UBND huyện',
    state: 'published',
    my_role: 'delegate',
  };
}

const monday7December = parseIsoDate('2026-12-07') as number;

describe('weeks', () => {
  it('names a week by its monday and reads the name back', () => {
    expect(isoDate(monday7December)).toBe('2026-12-07');
    expect(noonOf(monday7December).weekday).toBe(1);
  });

  it('finds the monday of every day of the week, sunday included', () => {
    for (let offset = 0; offset < 7; offset += 1) {
      expect(mondayOf(monday7December + offset)).toBe(monday7December);
    }
    expect(mondayOf(monday7December - 1)).toBe(monday7December - 7);
  });

  it('judges this week at vietnam time: sunday 23:30 in hanoi is not yet monday', () => {
    // Sunday 13 December 2026, 23:30 +07:00 = 16:30 UTC.
    expect(currentMonday(new Date(Date.UTC(2026, 11, 13, 16, 30)))).toBe(monday7December);
    // Monday 14 December 2026, 00:30 +07:00 is still Sunday in UTC.
    expect(currentMonday(new Date(Date.UTC(2026, 11, 13, 17, 30)))).toBe(monday7December + 7);
  });

  it('refuses dates that do not exist or are not written as yyyy-mm-dd', () => {
    expect(parseIsoDate('2026-02-30')).toBeNull();
    expect(parseIsoDate('2026-13-01')).toBeNull();
    expect(parseIsoDate('7/12/2026')).toBeNull();
    expect(parseIsoDate('2026-12-07T00:00')).toBeNull();
  });
});

describe('calendarWeek', () => {
  it('puts each meeting on its own wall-clock day, earliest first', () => {
    const week = calendarWeek(
      [
        meeting('afternoon', '2026-12-07T14:00:00+07:00'),
        meeting('morning', '2026-12-07T08:00:00+07:00'),
        meeting('friday', '2026-12-11T07:30:00+07:00'),
        meeting('sunday-late', '2026-12-13T23:30:00+07:00'),
      ],
      monday7December,
    );
    expect(week.days).toHaveLength(7);
    expect(week.days[0]?.meetings.map((m) => m.id)).toEqual(['morning', 'afternoon']);
    expect(week.days[4]?.meetings.map((m) => m.id)).toEqual(['friday']);
    expect(week.days[6]?.meetings.map((m) => m.id)).toEqual(['sunday-late']);
    expect(week.days.map((day) => day.date.weekday)).toEqual([1, 2, 3, 4, 5, 6, 0]);
  });

  it('leaves out meetings of other weeks and meetings whose time cannot be read', () => {
    const week = calendarWeek(
      [
        meeting('previous-sunday', '2026-12-06T20:00:00+07:00'),
        meeting('next-monday', '2026-12-14T00:00:00+07:00'),
        meeting('unreadable', 'sáng thứ Hai'),
        meeting('inside', '2026-12-09T09:00:00+07:00'),
      ],
      monday7December,
    );
    expect(week.days.flatMap((day) => day.meetings.map((m) => m.id))).toEqual(['inside']);
  });

  it('orders meetings at the same time by title', () => {
    const week = calendarWeek(
      [
        meeting('b', '2026-12-08T08:00:00+07:00', 'Họp Thường trực'),
        meeting('a', '2026-12-08T08:00:00+07:00', 'Giao ban'),
      ],
      monday7December,
    );
    expect(week.days[1]?.meetings.map((m) => m.id)).toEqual(['a', 'b']);
  });
});
