// One row of the bench table. Every figure is measured in the run that prints it; a part that could
// not be measured is a row with value null and the reason, never an estimate.
export interface BenchRow {
  section: string;
  measure: string;
  /** The measured figure, or null when not available. */
  value: number | null;
  unit: string;
  /** A ratio measured in the same run (the figure that is comparable across machines). */
  ratio?: number | null;
  /** What the ratio compares, e.g. "vs bare KafkaJS loop". */
  ratioOf?: string;
  /** Human-readable target, e.g. ">= 50,000/s". */
  target?: string;
  /** Whether the target was met; null when there is no target or no figure. */
  pass?: boolean | null;
  note?: string;
}

export function notAvailable(section: string, measure: string, unit: string, reason: string, target?: string): BenchRow {
  return { section, measure, value: null, unit, target, pass: null, note: `not available: ${reason}` };
}

export function fmtNumber(v: number | null | undefined, unit = ''): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const abs = Math.abs(v);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  const s = v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${s} ${unit}` : s;
}

function fmtRatio(r: BenchRow): string {
  if (r.ratio === undefined) return '';
  if (r.ratio === null) return '—';
  const v = r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio >= 10 ? r.ratio.toFixed(1) : r.ratio.toFixed(2);
  return `${v}×${r.ratioOf ? ` ${r.ratioOf}` : ''}`;
}

function fmtPass(p: boolean | null | undefined): string {
  return p === true ? 'yes' : p === false ? 'NO' : '';
}

const HEAD = ['Section', 'Measure', 'Value', 'Ratio', 'Target', 'Met', 'Notes'];

function cells(r: BenchRow): string[] {
  return [r.section, r.measure, fmtNumber(r.value, r.unit), fmtRatio(r), r.target ?? '', fmtPass(r.pass), r.note ?? ''];
}

/** The table as Markdown (also readable as plain text in a terminal). */
export function markdownTable(rows: BenchRow[]): string {
  const all = [HEAD, ...rows.map(cells)].map((c) => c.map((x) => x.replace(/\|/g, '\\|')));
  const width = HEAD.map((_, i) => Math.max(...all.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(width[i])).join(' | ')} |`;
  return [line(all[0]), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}
