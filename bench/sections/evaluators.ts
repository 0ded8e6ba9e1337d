// Evaluators: outputs per second on one core for each evaluator and for all of them together
// (evaluateOutput), on simulated outputs. A JS loop runs on one thread, so wall-clock throughput of the
// loop is the per-core figure; CPU time is reported too because the machine is shared.
import type { SectionContext } from '../section.ts';
import type { BenchRow } from '../lib/report.ts';
import { notAvailable } from '../lib/report.ts';
import { progress } from '../lib/stats.ts';
import { simulatedEvents } from '../lib/sim-events.ts';
import type { FlagKind } from './dashboard/dataset.ts';

const SECTION = 'Evaluators';
const TARGET = 5000;

export interface Measured {
  perSecond: number;
  perCpuSecond: number;
  flags: number;
}

/** Outputs per second (wall clock and CPU) of `fn` over `outputs`, after a warm-up; flags produced. */
export function measure(outputs: readonly object[], fn: (o: object) => unknown[]): Measured {
  // Warm-up: let the JIT compile the rule paths before timing.
  for (let i = 0; i < Math.min(outputs.length, 2000); i++) fn(outputs[i]);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let flags = 0;
  for (const o of outputs) flags += fn(o).length;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: outputs.length / (ms / 1000), perCpuSecond: outputs.length / ((cpu.user + cpu.system) / 1e6), flags };
}

function row(measureName: string, m: Measured, n: number): BenchRow {
  return {
    section: SECTION,
    measure: measureName,
    value: m.perSecond,
    unit: 'outputs/s/core',
    target: `>= ${TARGET.toLocaleString()}/s/core`,
    pass: m.perSecond >= TARGET,
    note: `${n.toLocaleString()} simulated outputs; ${Math.round(m.perCpuSecond).toLocaleString()}/CPU-s; ${m.flags.toLocaleString()} flags`,
  };
}

export async function runEvaluatorBench(ctx: SectionContext): Promise<{ rows: BenchRow[]; details: unknown }> {
  const n = ctx.sizes.evaluatorOutputs;
  let registry: { EVALUATORS: readonly { id: string; version: string; evaluate(o: object): unknown[] }[] };
  let evaluate: { evaluateOutput(o: object): { evaluator: string; category: string; rule_id: string; severity: string; where: string }[] };
  try {
    registry = (await import('../../evaluators/registry.ts')) as never;
    evaluate = (await import('../../evaluators/evaluate.ts')) as never;
  } catch (err) {
    const why = `evaluators/registry.ts or evaluate.ts not loadable (${(err as Error).message.split('\n')[0]})`;
    return { rows: [notAvailable(SECTION, 'all evaluators (evaluateOutput)', 'outputs/s/core', why, `>= ${TARGET}/s/core`)], details: { error: why } };
  }
  progress(`evaluators: simulating ${n.toLocaleString()} outputs`);
  const { outputs } = await simulatedEvents({ outputs: n });
  const rows: BenchRow[] = [];
  const perEvaluator: Record<string, Measured> = {};
  for (const ev of registry.EVALUATORS) {
    const m = measure(outputs, (o) => ev.evaluate(o));
    perEvaluator[`${ev.id}@${ev.version}`] = m;
    rows.push(row(`${ev.id} (${ev.version})`, m, outputs.length));
    progress(`evaluators: ${ev.id} ${Math.round(m.perSecond)} outputs/s`);
  }
  const all = measure(outputs, (o) => evaluate.evaluateOutput(o));
  rows.push(row('all evaluators (evaluateOutput)', all, outputs.length));
  progress(`evaluators: all ${Math.round(all.perSecond)} outputs/s`);

  const full = await fullCatalogRows(outputs, registry.EVALUATORS);
  rows.push(...full.rows);

  // The flag mix on these outputs feeds the dashboard data, so its flags table looks like real findings.
  const mix = new Map<string, FlagKind>();
  for (const o of outputs) {
    for (const f of evaluate.evaluateOutput(o)) {
      const key = `${f.evaluator}|${f.category}|${f.rule_id}|${f.severity}|${f.where}`;
      const k = mix.get(key) ?? { evaluator: f.evaluator, category: f.category, rule_id: f.rule_id, severity: f.severity, where: f.where as 'prompt', rate: 0 };
      k.rate += 1 / outputs.length;
      mix.set(key, k);
    }
  }
  if (mix.size > 0) {
    ctx.shared.flagMix = [...mix.values()];
    ctx.shared.flagMixSource = `measured: evaluateOutput on ${outputs.length.toLocaleString()} simulated outputs`;
  }
  return { rows, details: { outputs: outputs.length, perEvaluator, all, fullCatalog: full.details, flagMix: [...mix.values()] } };
}

/**
 * The citation evaluator with the official-size law list loaded (about 10,000 laws): the stand-in list
 * ../shared/reference/real-laws.tsv when present (or OVERSIGHT_BENCH_LAWS_TSV), imported the way
 * `oversight laws import` does. Reports its throughput alone and with the other evaluators, and the
 * heap the catalog and its indexes take.
 */
async function fullCatalogRows(outputs: object[], evaluators: readonly { id: string; evaluate(o: object): unknown[] }[]): Promise<{ rows: BenchRow[]; details: unknown }> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const tsv = process.env.OVERSIGHT_BENCH_LAWS_TSV ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'reference', 'real-laws.tsv');
  const measureName = 'citations, full catalog';
  if (!existsSync(tsv)) {
    return { rows: [notAvailable(SECTION, measureName, 'outputs/s/core', `no full law list at ${tsv} (set OVERSIGHT_BENCH_LAWS_TSV)`, `>= ${TARGET}/s/core`)], details: null };
  }
  const { SEED_LAW_CATALOG } = await import('../../contracts/law-catalog.ts');
  const { buildCatalog } = await import('../../evaluators/catalog.ts');
  const { mergeIntoCatalog, parseLawList, readText } = await import('../../evaluators/laws-import.ts');
  const { createCitationsEvaluator } = await import('../../evaluators/citations.ts');
  const gc = await exposeGc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const merged = mergeIntoCatalog(SEED_LAW_CATALOG, parseLawList(readText(tsv))).catalog;
  const citations = createCitationsEvaluator({ catalog: buildCatalog(merged) });
  citations.evaluate({ output_id: 'warm', occurred_at: '2026-07-01T00:00:00Z', app: 'chat', prompt: '', response: '民法第一条' }); // builds the name index
  gc();
  const catalogBytes = process.memoryUsage().heapUsed - before;
  const alone = measure(outputs, (o) => citations.evaluate(o as never));
  const others = evaluators.filter((e) => e.id !== 'citations');
  const together = measure(outputs, (o) => [...citations.evaluate(o as never), ...others.flatMap((e) => e.evaluate(o))]);
  progress(`evaluators: citations with ${merged.laws.length} laws ${Math.round(alone.perSecond)} outputs/s`);
  const laws = `${merged.laws.length.toLocaleString()} laws`;
  return {
    rows: [
      { ...row(`${measureName} (${laws})`, alone, outputs.length) },
      { ...row(`all evaluators, full catalog (${laws})`, together, outputs.length) },
      { section: SECTION, measure: `law catalog in memory (${laws}, with indexes)`, value: catalogBytes / 1e6, unit: 'MB', pass: null, note: `heap growth after building the catalog from ${tsv.split('/').slice(-1)[0]} (after GC)` },
    ],
    details: { laws: merged.laws.length, catalogBytes, alone, together },
  };
}

/** A GC function for memory deltas (V8's own, exposed at run time), or a no-op when it cannot be. */
async function exposeGc(): Promise<() => void> {
  try {
    const v8 = await import('node:v8');
    const vm = await import('node:vm');
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => {};
  }
}
