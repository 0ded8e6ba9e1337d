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

/** One CSV line, CRLF-terminated. */
export function csvLine(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/**
 * A CSV body made while it is read: the byte-order mark and header, then one chunk per batch of rows,
 * each batch pulled only when the reader asks for more (a slow download slows the query instead of
 * filling memory). `first` is a batch the caller already read (to surface a failing query before the
 * response starts). `onEnd` hears the rows written and whether the body ended (false: the reader
 * cancelled, or the source failed and the download is cut off rather than looking complete).
 */
export function csvStream<R>(
  header: readonly string[],
  batches: AsyncIterator<R[]>,
  cells: (row: R) => readonly CsvValue[],
  opts: { first?: R[]; onEnd?: (rows: number, complete: boolean) => void } = {},
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending: R[] | undefined = opts.first;
  let rows = 0;
  let ended = false;
  const end = (complete: boolean) => {
    if (ended) return;
    ended = true;
    opts.onEnd?.(rows, complete);
  };
  const encode = (batch: R[]) => {
    let text = '';
    for (const r of batch) text += csvLine(cells(r));
    rows += batch.length;
    return encoder.encode(text);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode('\uFEFF' + csvLine(header)));
      },
      async pull(controller) {
        try {
          if (pending) {
            const batch = pending;
            pending = undefined;
            controller.enqueue(encode(batch));
            return;
          }
          const next = await batches.next();
          if (next.done) {
            controller.close();
            end(true);
          } else controller.enqueue(encode(next.value));
        } catch (err) {
          controller.error(err);
          end(false);
        }
      },
      async cancel() {
        end(false);
        await batches.return?.();
      },
    },
    // One chunk queued ahead at most: pull() runs again only once the reader has taken it.
    { highWaterMark: 1 },
  );
}

/** A download response; the file name is reduced to safe characters. */
export function csvResponse(filename: string, csv: string | ReadableStream<Uint8Array>): Response {
  const safe = filename.replace(/[^A-Za-z0-9._-]+/g, '_');
  return new Response(csv, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${safe}"`,
      'cache-control': 'private, no-store',
    },
  });
}
