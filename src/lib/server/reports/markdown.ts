// The Markdown download: the same document as the print page, as GitHub-flavoured Markdown (tables,
// headings), for pasting into a ministry's own paperwork. Charts become their data tables.
import type { Block, ReportDocument } from './document.ts';
import { t } from '../../i18n/index.ts';

/** Table cells: pipes and line breaks would break the row; markup characters are escaped so text stays text. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`<>[\]])/g, '\\$1').replace(/\r?\n/g, '<br>');
}

function text(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/([*_`<>[\]#|])/g, '\\$1');
}

function table(head: string[], rows: string[][], numeric: boolean[]): string[] {
  return [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map((_, i) => (numeric[i] ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

function block(b: Block, doc: ReportDocument): string[] {
  switch (b.type) {
    case 'p':
      return [b.tone === 'warn' ? `> **${text(b.text)}**` : b.tone === 'note' ? `> ${text(b.text)}` : text(b.text), ''];
    case 'kpis':
      return [
        ...table(
          [t(doc.lang, 'reports.metric'), t(doc.lang, 'reports.current'), t(doc.lang, 'reports.change')],
          b.items.map((k) => [k.label, k.note ? `${k.value} (${k.note})` : k.value, k.change]),
          [false, true, true],
        ),
        '',
      ];
    case 'table':
      return [`**${text(b.caption)}**`, '', ...table(b.head, b.rows, b.numeric), ''];
    case 'radar':
      return [`**${text(b.title)}**`, '', ...table(['', b.legend.current, b.legend.previous], b.axes.map((a) => [a.label, String(a.value.toFixed(2)), a.previous === null ? '—' : a.previous.toFixed(2)]), [false, true, true]), ''];
    case 'trend':
      return [
        `**${text(b.title)}**`,
        '',
        ...table(
          ['', b.legend.actual, b.legend.target],
          [...new Set([...b.actual.map((a) => a.day), ...b.target.map((x) => x.day)])].sort().map((day) => [
            day,
            b.actual.find((a) => a.day === day)?.value.toLocaleString('en-US') ?? '—',
            b.target.find((x) => x.day === day)?.value.toLocaleString('en-US') ?? '—',
          ]),
          [false, true, true],
        ),
        '',
      ];
  }
}

export function reportMarkdown(doc: ReportDocument): string {
  const tr = (k: string, v?: Record<string, string | number>) => t(doc.lang, k, v);
  const out: string[] = [
    `# ${text(doc.title)}`,
    '',
    ...table(
      ['', ''],
      [
        [tr('reports.doc.id'), `${doc.reportId} (${tr('reports.doc.version', { version: doc.version })})`],
        [tr('reports.doc.scope'), doc.scope],
        [tr('reports.doc.period'), doc.period],
        [tr('reports.doc.previous'), doc.previousPeriod],
        [tr('reports.doc.created'), doc.created],
        [tr('reports.doc.author'), doc.author],
        [tr('reports.doc.hash'), `${doc.hash} (${doc.hashVerified ? tr('reports.doc.hash_ok') : tr('reports.doc.hash_bad')})`],
      ],
      [false, false],
    ),
    '',
    `> ${text(tr('reports.doc.frozen', { created: doc.created }))}`,
    '',
  ];
  for (const s of doc.sections) {
    out.push(`${s.level === 2 ? '##' : '###'} ${text(s.title)}`, '');
    for (const b of s.blocks) out.push(...block(b, doc));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
