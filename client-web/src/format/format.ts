// Turning wire values (RFC 3339 times, byte counts, minutes, page counts)
// into the short texts delegates read.
//
// A meeting's time is shown as the wall-clock time written in its
// `starts_at`, in the offset the server gave (the district's own time),
// never converted to the tablet's time zone: a tablet whose clock zone was
// set wrongly must still say "08:00" for an 08:00 meeting.

import type { Language } from '../i18n/i18n';

/** A moment as read on a wall clock at a given UTC offset. */
export interface WallClock {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
  hour: number;
  minute: number;
  /** Offset from UTC in minutes, for example 420 for +07:00. */
  offsetMinutes: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** The same moment as milliseconds since the epoch. */
  epochMilliseconds: number;
}

const rfc3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Reads an RFC 3339 timestamp as the wall clock it names, or `null` when it
 * is not one. */
export function parseWallClock(text: string): WallClock | null {
  const match = rfc3339.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, zulu, sign, offsetHours, offsetMins] = match;
  const offsetMinutes = zulu ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMins));
  const wallAsUtc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? 0),
  );
  const wall = wallClockAt(wallAsUtc - offsetMinutes * 60_000, offsetMinutes);
  // Date.UTC silently rolls 2026-02-30 over to March; such a date is invalid.
  if (wall.month !== Number(month) || wall.day !== Number(day) || wall.hour !== Number(hour)) {
    return null;
  }
  return wall;
}

/** The wall clock at UTC offset `offsetMinutes` for an instant. */
export function wallClockAt(epochMilliseconds: number, offsetMinutes: number): WallClock {
  const shifted = new Date(epochMilliseconds + offsetMinutes * 60_000);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    offsetMinutes,
    weekday: shifted.getUTCDay(),
    epochMilliseconds,
  };
}

/** A day number that increases by one each calendar day, for comparing
 * dates without their times. */
export function dayNumber(wall: WallClock): number {
  return Math.floor(Date.UTC(wall.year, wall.month - 1, wall.day) / 86_400_000);
}

const two = (value: number) => String(value).padStart(2, '0');

const vietnameseWeekdays = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
const englishWeekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const englishMonths = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "08:00". */
export function formatTimeOfDay(wall: WallClock): string {
  return `${two(wall.hour)}:${two(wall.minute)}`;
}

/** "Thứ Hai, 23/11/2026" or "Mon 23 Nov 2026". */
export function formatDate(wall: WallClock, language: Language): string {
  if (language === 'vi') {
    return `${vietnameseWeekdays[wall.weekday]}, ${two(wall.day)}/${two(wall.month)}/${wall.year}`;
  }
  return `${englishWeekdays[wall.weekday]} ${wall.day} ${englishMonths[wall.month - 1]} ${wall.year}`;
}

/** "08:00 · Thứ Hai, 23/11/2026"; an unreadable timestamp is shown as sent
 * rather than hidden. */
export function formatMeetingTime(startsAt: string, language: Language): string {
  const wall = parseWallClock(startsAt);
  if (!wall) return startsAt;
  return `${formatTimeOfDay(wall)} · ${formatDate(wall, language)}`;
}

function numberLocale(language: Language): string {
  return language === 'vi' ? 'vi-VN' : 'en-GB';
}

/** "70,8 KB" in Vietnamese, "70.8 KB" in English; binary units, as file
 * managers on the delegates' computers show them. */
export function formatFileSize(bytes: number, language: Language): string {
  const units = ['KB', 'MB', 'GB'];
  if (!Number.isFinite(bytes) || bytes < 1024) {
    return `${Math.max(0, Math.round(Number.isFinite(bytes) ? bytes : 0))} B`;
  }
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(numberLocale(language), { maximumFractionDigits: 1 }).format(value);
  return `${number} ${units[unit]}`;
}

/** "1 giờ 30 phút" or "1 h 30 min". */
export function formatDuration(minutes: number, language: Language): string {
  const total = Math.max(0, Math.round(minutes));
  const hours = Math.floor(total / 60);
  const rest = total % 60;
  const [hourUnit, minuteUnit] = language === 'vi' ? ['giờ', 'phút'] : ['h', 'min'];
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} ${hourUnit}`);
  if (rest > 0 || hours === 0) parts.push(`${rest} ${minuteUnit}`);
  return parts.join(' ');
}

/** "9 trang", "1 page", "9 pages". */
export function formatPageCount(count: number, language: Language): string {
  if (language === 'vi') return `${count} trang`;
  return count === 1 ? '1 page' : `${count} pages`;
}

/** "08:05 23/11/2026" in the tablet's own clock, for stamping a watermark
 * with the moment a page was shown. */
export function formatLocalTimestamp(date: Date): string {
  return `${two(date.getHours())}:${two(date.getMinutes())} ${two(date.getDate())}/${two(date.getMonth() + 1)}/${date.getFullYear()}`;
}
