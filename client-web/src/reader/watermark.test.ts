import { describe, expect, it } from 'vitest';
import { watermarkPositions, watermarkText } from './watermark';

describe('watermarkText', () => {
  it('names the reader, the time shown and the confidential mark in vietnamese', () => {
    expect(watermarkText('Đại biểu 01', new Date(2026, 10, 23, 8, 5), 'vi')).toBe(
      'Đại biểu 01 · 08:05 23/11/2026 · MẬT',
    );
  });

  it('uses the english confidential mark in english', () => {
    expect(watermarkText('Delegate 01', new Date(2026, 10, 23, 14, 0), 'en')).toBe(
      'Delegate 01 · 14:00 23/11/2026 · CONFIDENTIAL',
    );
  });
});

describe('watermarkPositions', () => {
  it('covers every corner of the page once rotated about its centre', () => {
    const width = 800;
    const height = 1131;
    const positions = watermarkPositions(width, height, 300, 36);
    const reach = Math.hypot(width, height) / 2;
    const xs = positions.map((p) => p.x);
    const ys = positions.map((p) => p.y);
    // A rotated corner lies at most half a diagonal from the centre.
    expect(Math.min(...xs)).toBeLessThanOrEqual(-reach);
    expect(Math.max(...xs) + 300).toBeGreaterThanOrEqual(reach);
    expect(Math.min(...ys)).toBeLessThanOrEqual(-reach + 36 * 5);
    expect(Math.max(...ys)).toBeGreaterThanOrEqual(reach - 36 * 5);
  });

  it('stays a bounded number of lines for a large page', () => {
    expect(watermarkPositions(4000, 4000, 300, 40).length).toBeLessThan(500);
  });
});
