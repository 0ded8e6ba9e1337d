// The batch runner: reads outputs past each evaluator's watermark (by ingested_at, then output_id, so
// late events are still seen), evaluates them, writes flags (a re-run writes the same keys again; flags
// an evaluator no longer produces for a re-evaluated output are written back with is_deleted = 1),
// opens one incident per output and category for severity >= high (never touching an incident that
// already exists, so reviewers' triage is kept), records evaluator errors and goes on, then advances
// the watermark. Backfill re-runs the current version over an occurred_at range without moving it.
//
// The loop and the scheduler only: what it reads and writes is in the evaluation store (flags,
// watermarks, evaluation_errors, the outputs it reads) and the incident store.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '../clickhouse/client.ts';
import {
  EPOCH,
  countOutputsOccurred,
  liveFlagsOf,
  outputsOccurred,
  outputsPastWatermark,
  readWatermarks,
  writeEvaluationErrors,
  writeFlags,
  writeWatermarks,
} from '../clickhouse/stores/evaluation.ts';
import { existingIncidentIds, insertOpenedIncidents } from '../clickhouse/stores/incidents.ts';
import { SEVERITY_RANK, type Flag, type Severity } from '../contracts/flags.ts';
import type { IncidentRow } from '../contracts/incidents.ts';
import { watermarkKey, type Shard } from '../contracts/shards.ts';
import type { EvaluationErrorRow, FlagRow, StoredOutput } from '../contracts/tables.ts';
import { createLlmJudge, llmJudgeConfigFromEnv, type LlmJudge } from './llm-judge.ts';
import { EVALUATORS, refreshLawCatalog } from './registry.ts';
import type { Evaluator, EvaluatorInput } from './types.ts';
import { evaluatorMetrics } from './metrics.ts';

/** An incident as the runner opens it (the row written to `incidents`). No raw text: safe to notify. */
export type OpenedIncident = IncidentRow & { severity: Severity; status: 'new' };

export type IncidentsOpenedHook = (incidents: OpenedIncident[]) => void | Promise<void>;

export interface RunOptions {
  /** Evaluator ids (or modules) to run; default all of EVALUATORS. */
  evaluators?: readonly (string | Evaluator)[];
  batchSize?: number;
  /** Stop after this many batches per evaluator group (default: until caught up). */
  maxBatches?: number;
  /** Outputs ingested in the last `settleMs` are left for the next pass, so a batch insert still in flight is not half-read. */
  settleMs?: number;
  log?: (line: string) => void;
  /**
   * Called with the incidents this pass opened; given by the caller (service, CLI, demo pass
   * alerts/notify.ts `notifyIncidentsOpened`), so evaluators/ never depends on alerts/. Default: none.
   * A failing hook is logged; the incidents stay opened.
   */
  onIncidentsOpened?: IncidentsOpenedHook;
  /**
   * Optional LLM judge for off_policy, after the rules. Default: one built from
   * OVERSIGHT_LLM_JUDGE_URL when that is set, otherwise none (off). Pass null to force it off.
   */
  judge?: LlmJudge | null;
  /**
   * Evaluate only the outputs with cityHash64(output_id) % count = index: N processes with shards
   * 0/N … N-1/N split the work without reading an output twice. Each shard keeps its own watermark
   * (evaluator "citations@0/2"); a new shard starts from the unsharded watermark if there is one.
   */
  shard?: Shard;
}

export { parseShard, watermarkKey, type Shard } from '../contracts/shards.ts';

function judgeFor(opts: RunOptions): LlmJudge | null {
  if (opts.judge !== undefined) return opts.judge;
  const config = llmJudgeConfigFromEnv();
  return config ? createLlmJudge(config, { log: opts.log }) : null;
}

export interface EvaluatorRunStats {
  evaluator: string;
  version: string;
  outputs: number;
  flags: number;
  superseded: number;
  errors: number;
}

export interface RunResult {
  evaluators: EvaluatorRunStats[];
  incidentsOpened: number;
  ms: number;
}

function resolveEvaluators(list: RunOptions['evaluators']): Evaluator[] {
  refreshLawCatalog(); // a newly imported law catalog is a new citations version: new outputs use it
  if (!list || list.length === 0) return [...EVALUATORS];
  return list.map((x) => {
    if (typeof x !== 'string') return x;
    const e = EVALUATORS.find((y) => y.id === x);
    if (!e) throw new Error(`unknown evaluator "${x}" (known: ${EVALUATORS.map((y) => y.id).join(', ')})`);
    return e;
  });
}

/** ClickHouse DateTime64 text ("2026-06-01 12:00:00.000") for a JS date, UTC. */
function chTime(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** Versions only grow within this process, even when two writes share a millisecond. */
let lastVersion = 0;
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now());
  return lastVersion;
}

export function incidentId(outputId: string, category: string): string {
  return 'inc-' + createHash('sha256').update(`${outputId}\u0000${category}`).digest('hex').slice(0, 24);
}

function toInput(row: StoredOutput): EvaluatorInput {
  let sources: EvaluatorInput['sources'] = [];
  try {
    const parsed = row.sources ? JSON.parse(row.sources) : [];
    if (Array.isArray(parsed)) sources = parsed;
  } catch {
    sources = [];
  }
  return {
    output_id: row.output_id,
    occurred_at: row.occurred_at.replace(' ', 'T') + (row.occurred_at.endsWith('Z') ? '' : 'Z'),
    app: row.app,
    model: row.model,
    ministry: row.ministry,
    language: row.language,
    prompt: row.prompt,
    response: row.response,
    sources,
  };
}

/** One evaluation pass over new outputs for each evaluator (grouped when their watermarks agree). */
export async function runEvaluationOnce(client: ClickHouseClient, opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  const evaluators = resolveEvaluators(opts.evaluators);
  const batchSize = opts.batchSize ?? 5000;
  const log = opts.log ?? (() => {});
  const settleMs = opts.settleMs ?? 1000;
  const allMarks = await readWatermarks(client);
  // This process's watermark of each evaluator (its shard's; else the unsharded one to start from).
  const marks = new Map(evaluators.flatMap((e) => {
    const w = allMarks.get(watermarkKey(e.id, opts.shard)) ?? allMarks.get(e.id);
    return w ? [[e.id, w] as const] : [];
  }));
  const stats = new Map(evaluators.map((e) => [e.id, { evaluator: e.id, version: e.version, outputs: 0, flags: 0, superseded: 0, errors: 0 }]));
  for (const e of evaluators) {
    const w = marks.get(e.id);
    if (w && w.version !== e.version) {
      log(`evaluator ${e.id} is now ${e.version} (history was evaluated by ${w.version}); new outputs use ${e.version}, run --backfill to re-evaluate history`);
    }
  }
  // Evaluators at the same watermark read the outputs once.
  const groups = new Map<string, Evaluator[]>();
  for (const e of evaluators) {
    const w = marks.get(e.id);
    const key = w ? `${w.at}\u0000${w.id}` : `${EPOCH}\u0000`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const cutoff = chTime(new Date(Date.now() - settleMs));
  let incidentsOpened = 0;
  for (const [key, group] of groups) {
    let [at, id] = key.split('\u0000');
    let batches = 0;
    for (;;) {
      if (opts.maxBatches !== undefined && batches >= opts.maxBatches) break;
      const batch = await outputsPastWatermark(client, { at, id, cutoff, limit: batchSize, shard: opts.shard });
      if (batch.length === 0) break;
      batches++;
      const opened = await evaluateBatch(client, group, batch, stats, opts);
      incidentsOpened += opened;
      const last = batch[batch.length - 1];
      at = last.ingested_at;
      id = last.output_id;
      await writeWatermarks(
        client,
        group.map((e) => ({
          evaluator: watermarkKey(e.id, opts.shard),
          evaluator_version: e.version,
          watermark_at: at,
          watermark_id: id,
          outputs_evaluated: (allMarks.get(watermarkKey(e.id, opts.shard))?.evaluated ?? 0) + stats.get(e.id)!.outputs,
          updated_at: chTime(new Date(nextVersion())),
        })),
      );
      log(`evaluated ${batch.length} outputs with ${group.map((e) => e.id).join(', ')} up to ${at} (${summarize(group, stats)}, ${opened} incidents opened)`);
      if (batch.length < batchSize) break;
    }
  }
  return { evaluators: [...stats.values()], incidentsOpened, ms: Date.now() - t0 };
}

export interface BackfillOptions extends RunOptions {
  since: Date;
  until?: Date;
}

/** Re-runs the current version of the given evaluators over outputs with occurred_at in [since, until). */
export async function backfill(client: ClickHouseClient, opts: BackfillOptions): Promise<RunResult> {
  const t0 = Date.now();
  const evaluators = resolveEvaluators(opts.evaluators);
  const batchSize = opts.batchSize ?? 5000;
  const log = opts.log ?? (() => {});
  const since = chTime(opts.since);
  const until = chTime(opts.until ?? new Date());
  if (since >= until) throw new Error(`backfill range is empty: --since ${since} is not before --until ${until}`);
  const total = await countOutputsOccurred(client, since, until);
  log(`backfill of ${evaluators.map((e) => `${e.id} ${e.version}`).join(', ')} over ${total} outputs from ${since} to ${until}`);
  const stats = new Map(evaluators.map((e) => [e.id, { evaluator: e.id, version: e.version, outputs: 0, flags: 0, superseded: 0, errors: 0 }]));
  let incidentsOpened = 0;
  let at = since;
  let id = '';
  let done = 0;
  for (;;) {
    const batch = await outputsOccurred(client, { since, until, at, id, limit: batchSize });
    if (batch.length === 0) break;
    incidentsOpened += await evaluateBatch(client, evaluators, batch, stats, opts);
    done += batch.length;
    at = batch[batch.length - 1].occurred_at;
    id = batch[batch.length - 1].output_id;
    log(`backfill: ${done}/${total} outputs (${Math.round((100 * done) / Math.max(1, total))} %), ${summarize(evaluators, stats)}`);
    if (batch.length < batchSize) break;
  }
  return { evaluators: [...stats.values()], incidentsOpened, ms: Date.now() - t0 };
}

function summarize(group: Evaluator[], stats: Map<string, EvaluatorRunStats>): string {
  return group.map((e) => {
    const s = stats.get(e.id)!;
    return `${e.id}: ${s.flags} flags${s.superseded ? `, ${s.superseded} superseded` : ''}${s.errors ? `, ${s.errors} errors` : ''}`;
  }).join('; ');
}

export function describeRun(r: RunResult): string {
  const parts = r.evaluators.map((s) => `${s.evaluator} ${s.version}: ${s.outputs} outputs, ${s.flags} flags, ${s.superseded} superseded, ${s.errors} errors`);
  return `${parts.join('; ')}; ${r.incidentsOpened} incidents opened in ${r.ms} ms`;
}

/** Evaluates one batch with each evaluator, writes flags and errors, opens incidents; returns incidents opened. */
async function evaluateBatch(
  client: ClickHouseClient,
  evaluators: Evaluator[],
  batch: StoredOutput[],
  stats: Map<string, EvaluatorRunStats>,
  opts: RunOptions,
): Promise<number> {
  const version = nextVersion();
  const judge = evaluators.some((e) => e.id === 'policy') ? judgeFor(opts) : null;
  const newRows: FlagRow[] = [];
  const errors: EvaluationErrorRow[] = [];
  const evaluatedOk = new Map<string, Set<string>>(); // evaluator → outputs it evaluated without error
  for (const e of evaluators) evaluatedOk.set(e.id, new Set());
  for (const row of batch) {
    const input = toInput(row);
    for (const e of evaluators) {
      const s = stats.get(e.id)!;
      s.outputs++;
      let flags: Flag[];
      try {
        flags = e.evaluate(input);
      } catch (err) {
        s.errors++;
        errors.push({ output_id: row.output_id, evaluator: e.id, evaluator_version: e.version, error: String((err as Error)?.stack ?? err).slice(0, 4000) });
        continue;
      }
      evaluatedOk.get(e.id)!.add(row.output_id);
      if (judge && e.id === 'policy') flags = [...flags, ...(await judge.review(input, flags))];
      s.flags += flags.length;
      for (const f of flags) newRows.push(flagRow(f, row, version, 0));
    }
  }
  // Supersede: flags stored for these outputs that the current run no longer produces.
  const deletions: FlagRow[] = [];
  for (const e of evaluators) {
    const ids = [...evaluatedOk.get(e.id)!];
    if (ids.length === 0) continue;
    const stored = await liveFlagsOf(client, e.id, ids);
    const produced = new Set(newRows.filter((r) => r.evaluator === e.id).map(flagKey));
    for (const old of stored) {
      if (produced.has(flagKey(old))) continue;
      deletions.push({ ...old, version, is_deleted: 1 });
      stats.get(e.id)!.superseded++;
    }
  }
  await writeFlags(client, [...newRows, ...deletions]);
  await writeEvaluationErrors(client, errors);
  const opened = await openIncidents(client, newRows, batch, opts);
  return opened;
}

function flagKey(r: Pick<FlagRow, 'output_id' | 'evaluator' | 'rule_id' | 'evidence_start'>): string {
  return `${r.output_id}\u0000${r.evaluator}\u0000${r.rule_id}\u0000${r.evidence_start}`;
}

function flagRow(f: Flag, row: StoredOutput, version: number, isDeleted: number): FlagRow {
  return {
    output_id: f.output_id,
    evaluator: f.evaluator,
    evaluator_version: f.evaluator_version,
    category: f.category,
    rule_id: f.rule_id,
    severity: f.severity,
    confidence: f.confidence,
    where: f.where,
    evidence: JSON.stringify(f.evidence),
    evidence_start: f.evidence[0]?.start ?? 0,
    explanation: f.explanation,
    ministry: row.ministry,
    app: row.app,
    model: row.model,
    output_at: row.occurred_at,
    version,
    is_deleted: isDeleted,
  };
}

/** One incident per output and category with a flag of severity >= high; existing incidents are left alone. */
async function openIncidents(client: ClickHouseClient, flags: FlagRow[], batch: StoredOutput[], opts: RunOptions): Promise<number> {
  const serious = flags.filter((f) => (SEVERITY_RANK[f.severity as Severity] ?? 0) >= SEVERITY_RANK.high);
  if (serious.length === 0) return 0;
  const byIncident = new Map<string, FlagRow[]>();
  for (const f of serious) {
    const key = incidentId(f.output_id, f.category);
    byIncident.set(key, [...(byIncident.get(key) ?? []), f]);
  }
  const existing = await existingIncidentIds(client, [...byIncident.keys()]);
  const outputs = new Map(batch.map((r) => [r.output_id, r]));
  const now = new Date();
  const incidents: OpenedIncident[] = [];
  for (const [incident_id, list] of byIncident) {
    if (existing.has(incident_id)) continue;
    const first = list[0];
    const out = outputs.get(first.output_id)!;
    const severity = list.reduce<Severity>((s, f) => (SEVERITY_RANK[f.severity as Severity] > SEVERITY_RANK[s] ? (f.severity as Severity) : s), 'high');
    const ruleIds = [...new Set(list.map((f) => f.rule_id))].sort();
    incidents.push({
      incident_id,
      output_id: first.output_id,
      ministry: out.ministry,
      app: out.app,
      model: out.model,
      category: first.category,
      severity,
      rule_ids: ruleIds,
      // Rule ids only: titles travel in notifications, which must carry no raw text.
      title: `${first.category}: ${ruleIds.join(', ')}`,
      status: 'new',
      assignee: '',
      verdict: '',
      output_at: out.occurred_at,
      opened_at: chTime(now),
      version: nextVersion(),
    });
  }
  if (incidents.length === 0) return 0;
  await insertOpenedIncidents(client, incidents, 'evaluator', (i) => `opened by the evaluator runner: ${i.severity} ${i.title}`);
  await notify(incidents, opts);
  return incidents.length;
}

async function notify(incidents: OpenedIncident[], opts: RunOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  if (!opts.onIncidentsOpened) return;
  try {
    await opts.onIncidentsOpened(incidents);
  } catch (err) {
    log(`notifying ${incidents.length} opened incidents failed: ${(err as Error).message}; the incidents are open and listed in the queue`);
  }
}

export interface Scheduler {
  stop(): Promise<void>;
  runNow(): Promise<RunResult>;
}

/** Runs a pass every `intervalMs` (never two at once); `runNow` runs one immediately (or joins the one running). */
export function startEvaluationScheduler(client: ClickHouseClient, opts: RunOptions & { intervalMs: number }): Scheduler {
  const log = opts.log ?? (() => {});
  let running: Promise<RunResult> | null = null;
  let stopped = false;
  const pass = (): Promise<RunResult> => {
    if (running) return running;
    running = runEvaluationOnce(client, opts)
      .then((r) => {
        if (r.evaluators.some((s) => s.outputs > 0)) log(describeRun(r));
        evaluatorMetrics.lastPass.set(Date.now() / 1000);
        for (const s of r.evaluators) if (s.outputs > 0) evaluatorMetrics.outputs.inc({ evaluator: s.evaluator }, s.outputs);
        return r;
      })
      .catch((err: unknown) => {
        evaluatorMetrics.passFailures.inc();
        throw err;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) pass().catch((err) => log(`evaluation pass failed: ${(err as Error).message}; retrying in ${opts.intervalMs} ms`));
  }, opts.intervalMs);
  timer.unref?.();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running.catch(() => undefined);
    },
    runNow: pass,
  };
}
