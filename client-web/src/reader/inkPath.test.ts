import { describe, expect, it } from 'vitest';
import { inkPathData, lacksPressure } from './inkPath';

const line = [
  { x: 0.1, y: 0.1, pressure: 0.5 },
  { x: 0.3, y: 0.2, pressure: 0.5 },
  { x: 0.5, y: 0.4, pressure: 0.5 },
];

function numbersIn(data: string): number[] {
  return (data.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
}

describe('inkPathData', () => {
  it('draws a closed outline within the page', () => {
    const data = inkPathData({ tool: 'pen', width: 0.004, points: line }, 800, 1000);
    expect(data.startsWith('M')).toBe(true);
    expect(data.endsWith('Z')).toBe(true);
    const numbers = numbersIn(data);
    expect(numbers.length).toBeGreaterThan(10);
    expect(numbers.every((value) => Number.isFinite(value) && value > 50 && value < 450)).toBe(true);
  });

  it('scales with the page: twice the zoom, twice the coordinates', () => {
    const small = numbersIn(inkPathData({ tool: 'pen', width: 0.004, points: line }, 800, 1000));
    const large = numbersIn(inkPathData({ tool: 'pen', width: 0.004, points: line }, 1600, 2000));
    expect(large.length).toBe(small.length);
    large.forEach((value, index) => expect(value).toBeCloseTo((small[index] ?? 0) * 2, 0));
  });

  it('draws nothing for no points, and a dot for one', () => {
    expect(inkPathData({ tool: 'pen', width: 0.004, points: [] }, 800, 1000)).toBe('');
    expect(inkPathData({ tool: 'highlighter', width: 0.016, points: line.slice(0, 1) }, 800, 1000)).toMatch(
      /^M/,
    );
  });
});

describe('lacksPressure', () => {
  it('tells a mouse or finger (one value) from a pen', () => {
    expect(lacksPressure(line)).toBe(true);
    expect(lacksPressure([...line, { x: 0.6, y: 0.5, pressure: 0.9 }])).toBe(false);
  });
});
