// clickhouse/stream.ts dayWindows: how an export's days become windows (their SQL is tested with the
// exports in test/unit/queries/streamed-export.test.ts).
import { describe, expect, it } from 'vitest';
import { dayWindows, FIRST_WINDOW_MAX_ROWS, WINDOW_MAX_ROWS } from '../../../clickhouse/stream.ts';

const days = (...d: [string, number, string?][]) => d.map(([day, rows, key]) => ({ day, rows, ...(key === undefined ? {} : { key }) }));

describe('dayWindows', () => {
  it('joins consecutive days up to the row limit, newest first or oldest first', () => {
    const desc = dayWindows(days(['2026-03-05', 40], ['2026-03-04', 50], ['2026-03-01', 10], ['2026-02-27', 60], ['2026-02-26', 30]), 100);
    expect(desc).toEqual([
      { params: { w_first: '2026-03-01', w_last: '2026-03-05' }, rows: 100 },
      { params: { w_first: '2026-02-26', w_last: '2026-02-27' }, rows: 90 },
    ]);
    const asc = dayWindows(days(['2026-02-26', 30], ['2026-02-27', 60], ['2026-03-01', 10], ['2026-03-04', 50]), 100);
    expect(asc).toEqual([
      { params: { w_first: '2026-02-26', w_last: '2026-03-01' }, rows: 100 },
      { params: { w_first: '2026-03-04', w_last: '2026-03-04' }, rows: 50 },
    ]);
  });

  it('never splits a day, and a day over the limit is a window of its own', () => {
    expect(dayWindows(days(['2026-01-03', 5], ['2026-01-02', 500], ['2026-01-01', 5]), 100)).toEqual([
      { params: { w_first: '2026-01-03', w_last: '2026-01-03' }, rows: 5 },
      { params: { w_first: '2026-01-02', w_last: '2026-01-02' }, rows: 500 },
      { params: { w_first: '2026-01-01', w_last: '2026-01-01' }, rows: 5 },
    ]);
  });

  it('starts a new window when the key changes, even below the limit', () => {
    expect(dayWindows(days(['2026-01-02', 1, 'high'], ['2026-01-01', 1, 'high'], ['2026-01-02', 1, 'low']), 100)).toEqual([
      { params: { w_key: 'high', w_first: '2026-01-01', w_last: '2026-01-02' }, rows: 2 },
      { params: { w_key: 'low', w_first: '2026-01-02', w_last: '2026-01-02' }, rows: 1 },
    ]);
  });

  it('holds the first window to its own, smaller limit, so the first byte waits for a small read', () => {
    const w = dayWindows(days(['2026-03-05', 20], ['2026-03-04', 20], ['2026-03-03', 20], ['2026-03-02', 40], ['2026-03-01', 40], ['2026-02-28', 30]), 100, 30);
    expect(w).toEqual([
      { params: { w_first: '2026-03-05', w_last: '2026-03-05' }, rows: 20 },
      { params: { w_first: '2026-03-02', w_last: '2026-03-04' }, rows: 80 },
      { params: { w_first: '2026-02-28', w_last: '2026-03-01' }, rows: 70 },
    ]);
    // By default the first window holds FIRST_WINDOW_MAX_ROWS, the others WINDOW_MAX_ROWS.
    const thirty = Array.from({ length: 30 }, (_, i) => ({ day: new Date(Date.UTC(2026, 2, 30) - i * 86_400_000).toISOString().slice(0, 10), rows: 1_000 }));
    expect(dayWindows(thirty).map((x) => x.rows)).toEqual([FIRST_WINDOW_MAX_ROWS - 500, WINDOW_MAX_ROWS, 3_000]);
    // A first day over the first limit is still one whole window.
    expect(dayWindows(days(['2026-03-05', 50], ['2026-03-04', 10]), 100, 30).map((x) => x.rows)).toEqual([50, 10]);
  });

  it('has no window for no days, and every row is in exactly one window', () => {
    expect(dayWindows([])).toEqual([]);
    const many = Array.from({ length: 400 }, (_, i) => ({ day: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10), rows: (i * 37) % 90 }));
    const w = dayWindows(many, 250);
    expect(w.reduce((n, x) => n + x.rows, 0)).toBe(many.reduce((n, x) => n + x.rows, 0));
    expect(w.every((x) => x.rows <= 250)).toBe(true);
    for (let i = 1; i < w.length; i++) expect(w[i].params.w_first > w[i - 1].params.w_last).toBe(true);
  });
});
