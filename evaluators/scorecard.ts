// Per-model scorecard from an NDJSON file of outputs: how often each model's answers are flagged,
// per category and severity, per 1,000 outputs (info flags are "could not verify" and not counted).
import type { Readable } from 'node:stream';
import { CATEGORIES, SEVERITIES, isFinding } from '../contracts/flags.ts';
import { evaluateOutput, forEachOutputLine } from './evaluate.ts';
import type { Evaluator } from './types.ts';

export interface ModelScore {
  model: string;
  outputs: number;
  /** Outputs with at least one finding. */
  flagged_outputs: number;
  flagged_per_1000: number;
  /** Outputs with a finding of the category, per 1,000 outputs. */
  per_1000_by_category: Record<string, number>;
  /** Findings of each severity, per 1,000 outputs. */
  per_1000_by_severity: Record<string, number>;
}

export interface Scorecard {
  outputs: number;
  malformed: number;
  models: ModelScore[];
}

interface Tally {
  outputs: number;
  flagged: number;
  byCategory: Map<string, number>;
  bySeverity: Map<string, number>;
}

const per1000 = (n: number, of: number) => (of ? Math.round((n * 1000 * 10) / of) / 10 : 0);

export async function buildScorecard(
  input: Readable,
  evaluators: readonly Evaluator[],
  onMalformed: (lineNo: number, error: string) => void,
): Promise<Scorecard> {
  const tallies = new Map<string, Tally>();
  const res = await forEachOutputLine(
    input,
    (output) => {
      const model = output.model || '(unknown)';
      let t = tallies.get(model);
      if (!t) tallies.set(model, (t = { outputs: 0, flagged: 0, byCategory: new Map(), bySeverity: new Map() }));
      t.outputs++;
      const findings = evaluateOutput(output, evaluators, () => {}).filter(isFinding);
      if (findings.length) t.flagged++;
      for (const c of new Set(findings.map((f) => f.category))) t.byCategory.set(c, (t.byCategory.get(c) ?? 0) + 1);
      for (const f of findings) t.bySeverity.set(f.severity, (t.bySeverity.get(f.severity) ?? 0) + 1);
    },
    onMalformed,
  );
  const categories = [...new Set([...CATEGORIES, ...[...tallies.values()].flatMap((t) => [...t.byCategory.keys()])])];
  const severities = SEVERITIES.filter((s) => s !== 'info');
  const models = [...tallies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([model, t]) => ({
      model,
      outputs: t.outputs,
      flagged_outputs: t.flagged,
      flagged_per_1000: per1000(t.flagged, t.outputs),
      per_1000_by_category: Object.fromEntries(categories.map((c) => [c, per1000(t.byCategory.get(c) ?? 0, t.outputs)])),
      per_1000_by_severity: Object.fromEntries(severities.map((s) => [s, per1000(t.bySeverity.get(s) ?? 0, t.outputs)])),
    }));
  return { outputs: res.outputs, malformed: res.malformed, models };
}

/** A fixed-width text table, one row per model. */
export function formatScorecard(card: Scorecard): string {
  if (card.models.length === 0) return 'no outputs\n';
  const categories = Object.keys(card.models[0].per_1000_by_category);
  const severities = Object.keys(card.models[0].per_1000_by_severity);
  const header = ['model', 'outputs', 'flagged/1k', ...categories.map((c) => `${c}/1k`), ...severities.map((s) => `${s}/1k`)];
  const body = card.models.map((m) => [
    m.model,
    String(m.outputs),
    m.flagged_per_1000.toFixed(1),
    ...categories.map((c) => m.per_1000_by_category[c].toFixed(1)),
    ...severities.map((s) => m.per_1000_by_severity[s].toFixed(1)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  out.push(`${card.outputs} outputs${card.malformed ? `, ${card.malformed} malformed lines skipped` : ''}; rates are per 1,000 outputs (categories: outputs with a finding; severities: findings)`);
  return out.join('\n') + '\n';
}
