// Number formatting shared by tables, charts and CSV-free displays. A missing rate (nothing to divide
// by) is shown as an em dash, never as 0 % or NaN.
export const DASH = '—';

export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : Math.round(n).toLocaleString('en-US');
}

/** A ratio (0..1) as a percentage with one decimal, or two below 1 %. */
export function fmtRatioPct(r: number | null | undefined): string {
  if (r === null || r === undefined) return DASH;
  const pct = r * 100;
  return `${pct.toFixed(pct !== 0 && Math.abs(pct) < 1 ? 2 : 1)}%`;
}

/** A value already in percent. */
export function fmtPct(p: number | null | undefined): string {
  if (p === null || p === undefined) return DASH;
  return `${p.toFixed(p !== 0 && Math.abs(p) < 1 ? 2 : 1)}%`;
}

export function fmtNum(n: number | null | undefined, digits = 1): string {
  return n === null || n === undefined ? DASH : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtMs(n: number | null | undefined): string {
  return n === null || n === undefined ? DASH : `${Math.round(n).toLocaleString('en-US')} ms`;
}

export type ColumnFormat = 'text' | 'int' | 'ratio' | 'pct' | 'num1' | 'num2' | 'ms';

export function formatCell(v: unknown, format: ColumnFormat = 'text'): string {
  if (v === null || v === undefined || v === '') return DASH;
  switch (format) {
    case 'int':
      return fmtInt(Number(v));
    case 'ratio':
      return fmtRatioPct(Number(v));
    case 'pct':
      return fmtPct(Number(v));
    case 'num1':
      return fmtNum(Number(v), 1);
    case 'num2':
      return fmtNum(Number(v), 2);
    case 'ms':
      return fmtMs(Number(v));
    default:
      return Array.isArray(v) ? v.join(', ') : String(v);
  }
}
