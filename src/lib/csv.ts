// CSV export shared by every table. RFC 4180 quoting, CRLF lines, a UTF-8 byte-order mark so Excel in
// a Japanese locale opens it as UTF-8, and cells that a spreadsheet would run as a formula (=, +, -, @,
// tab, CR) prefixed with an apostrophe: evaluator evidence and model names are untrusted text.
export type CsvValue = string | number | boolean | null | undefined | readonly unknown[];

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  let s = Array.isArray(v) ? v.join(';') : String(v);
  if (typeof v === 'string' && FORMULA_START.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV; `columns` fixes the order and names the header (the row keys). */
export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  const lines = [columns.map((c) => csvCell(c)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell((r as Record<string, unknown>)[c] as CsvValue)).join(','));
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

/** A download response; the file name is reduced to safe characters. */
export function csvResponse(filename: string, csv: string): Response {
  const safe = filename.replace(/[^A-Za-z0-9._-]+/g, '_');
  return new Response(csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${safe}"`,
      'cache-control': 'private, no-store',
    },
  });
}
