// The growth table: each page's p95 at every dataset size side by side, how much it grew from one
// size to the next, and each table's rows and bytes on disk at every size. As bench rows (the growth
// of each step) and as Markdown for the result file and docs/CAPACITY.md.
import type { BenchRow } from '../../lib/report.ts';
import { sizeLabel } from '../../sizes.ts';

/** Issue 15: from 10 M to 100 M outputs a page's p95 may at most double. */
export const GROWTH_TARGET = 2;
const TARGET_STEP: [number, number] = [10_000_000, 100_000_000];

interface DatasetLine {
  size?: number;
  rows?: Record<string, number>;
  storage?: { table: string; rows: number; bytes_on_disk: number }[];
  bytes_on_disk?: number;
}

const ms = (v: number | undefined) => (v === undefined ? '—' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const gb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);

/** `untargeted`: pages without a latency target (whole CSV downloads hold more rows as the data grows). */
export function growthRows(
  section: string,
  sizes: number[],
  p95BySize: Map<string, Map<number, number>>,
  dataset: DatasetLine[],
  untargeted: ReadonlySet<string> = new Set(),
  p50BySize?: Map<string, Map<number, number>>,
): BenchRow[] {
  const rowsAt = (size: number, table: string) => dataset.find((d) => d.size === size)?.rows?.[table];
  const out: BenchRow[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const [a, b] = [sizes[i - 1], sizes[i]];
    const targeted = a === TARGET_STEP[0] && b === TARGET_STEP[1];
    for (const [page, bySize] of p95BySize) {
      const pa = bySize.get(a);
      const pb = bySize.get(b);
      if (pa === undefined || pb === undefined) continue;
      const growth = pb / pa;
      const [p50a, p50b] = [p50BySize?.get(page)?.get(a), p50BySize?.get(page)?.get(b)];
      out.push({
        section,
        measure: `${page} p95 growth ${sizeLabel(a)} → ${sizeLabel(b)}`,
        value: growth,
        unit: '×',
        ...(targeted && !untargeted.has(page) ? { target: `<= ${GROWTH_TARGET}×`, pass: growth <= GROWTH_TARGET } : {}),
        note:
          `p95 ${ms(pa)} → ${ms(pb)} ms` +
          (p50a !== undefined && p50b !== undefined ? ` (p50 ${ms(p50a)} → ${ms(p50b)})` : '') +
          `; outputs grew ${(b / a).toFixed(0)}×; flags ${rowsAt(a, 'flags')?.toLocaleString()} → ${rowsAt(b, 'flags')?.toLocaleString()}, ` +
          `incidents ${rowsAt(a, 'incidents')?.toLocaleString()} → ${rowsAt(b, 'incidents')?.toLocaleString()}, ` +
          `audit_log ${rowsAt(a, 'audit_log')?.toLocaleString()} → ${rowsAt(b, 'audit_log')?.toLocaleString()}`,
      });
    }
  }
  return out;
}

export function growthMarkdown(sizes: number[], p95BySize: Map<string, Map<number, number>>, dataset: DatasetLine[]): string {
  if (sizes.length === 0) return '';
  const labels = sizes.map(sizeLabel);
  const last = sizes.length >= 2 ? [sizes[sizes.length - 2], sizes[sizes.length - 1]] : null;
  const lines = [
    '## Growth: each page\'s data p95 (ms) by dataset size',
    '',
    `| page | ${labels.map((l) => `p95 @ ${l}`).join(' | ')}${last ? ` | growth ${sizeLabel(last[0])} → ${sizeLabel(last[1])} |` : ' |'}`,
    `|---|${labels.map(() => '---:').join('|')}${last ? '|---:|' : '|'}`,
  ];
  for (const [page, bySize] of p95BySize) {
    const cells = sizes.map((s) => ms(bySize.get(s)));
    let growth = '';
    if (last) {
      const [a, b] = [bySize.get(last[0]), bySize.get(last[1])];
      growth = a !== undefined && b !== undefined ? ` ${(b / a).toFixed(2)}× |` : ' — |';
    }
    lines.push(`| ${page} | ${cells.join(' | ')} |${growth}`);
  }
  const measured = dataset.filter((d) => d.size !== undefined && d.storage);
  const tables = [...new Set(measured.flatMap((d) => d.storage!.map((t) => t.table)))].sort();
  lines.push(
    '',
    '## Rows and bytes on disk per table',
    '',
    `| table | ${measured.map((d) => `rows @ ${sizeLabel(d.size!)}`).join(' | ')} | ${measured.map((d) => `on disk @ ${sizeLabel(d.size!)}`).join(' | ')} |`,
    `|---|${measured.map(() => '---:').join('|')}|${measured.map(() => '---:').join('|')}|`,
  );
  for (const t of tables) {
    const at = (d: DatasetLine) => d.storage!.find((x) => x.table === t);
    lines.push(
      `| ${t} | ${measured.map((d) => at(d)?.rows.toLocaleString('en-US') ?? '—').join(' | ')} | ${measured.map((d) => (at(d) ? gb(at(d)!.bytes_on_disk) : '—')).join(' | ')} |`,
    );
  }
  lines.push(`| **all tables** | ${measured.map(() => '').join(' | ')} | ${measured.map((d) => `**${gb(d.bytes_on_disk ?? 0)}**`).join(' | ')} |`);
  return lines.join('\n');
}
