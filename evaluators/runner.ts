// The batch runner: reads outputs past each evaluator's watermark (by ingested_at, then output_id, so
// late events are still seen), evaluates them, writes flags (a re-run writes the same keys again; flags
// an evaluator no longer produces for a re-evaluated output are written back with is_deleted = 1),
// opens one incident per output and category for severity >= high (never touching an incident that
// already exists, so reviewers' triage is kept), records evaluator errors and goes on, then advances
// the watermark. Backfill re-runs the current version over an occurred_at range without moving it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryRows as rows, type ClickHouseClient } from '../clickhouse/client.ts';
import { SEVERITY_RANK, type Flag, type Severity } from '../contracts/flags.ts';
import type { IncidentRow } from '../contracts/incidents.ts';
import { shardCondition, watermarkKey, type Shard } from '../contracts/shards.ts';
import { createLlmJudge, llmJudgeConfigFromEnv, type LlmJudge } from './llm-judge.ts';
import { EVALUATORS, refreshLawCatalog } from './registry.ts';
import type { Evaluator, EvaluatorInput } from './types.ts';

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
   * Called with the incidents this pass opened. Default: alerts/notify.ts `notifyIncidentsOpened`
   * when that module exists. A failing hook is logged; the incidents stay opened.
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

interface OutputRow {
  output_id: string;
  occurred_at: string;
  ministry: string;
  app: string;
  model: string;
  language: string;
  prompt: string;
  response: string;
  sources: string;
  ingested_at: string;
}

interface FlagRow {
  output_id: string;
  evaluator: string;
  evaluator_version: string;
  category: string;
  rule_id: string;
  severity: string;
  confidence: number;
  where: string;
  evidence: string;
  evidence_start: number;
  explanation: string;
  ministry: string;
  app: string;
  model: string;
  output_at: string;
  version: number;
  is_deleted: number;
}

interface Watermark {
  at: string;
  id: string;
  version: string;
  evaluated: number;
}

const EPOCH = '1970-01-01 00:00:00.000';

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

function toInput(row: OutputRow): EvaluatorInput {
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

async function readWatermarks(client: ClickHouseClient): Promise<Map<string, Watermark>> {
  const list = await rows<{ evaluator: string; evaluator_version: string; watermark_at: string; watermark_id: string; outputs_evaluated: number }>(
    client,
    'SELECT evaluator, evaluator_version, watermark_at, watermark_id, outputs_evaluated FROM eval_watermarks FINAL',
  );
  return new Map(list.map((w) => [w.evaluator, { at: w.watermark_at, id: w.watermark_id, version: w.evaluator_version, evaluated: Number(w.outputs_evaluated) }]));
}

const OUTPUT_COLUMNS = 'output_id, occurred_at, ministry, app, model, language, prompt, response, sources, ingested_at';

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
      const batch = await rows<OutputRow>(
        client,
        `SELECT ${OUTPUT_COLUMNS} FROM outputs FINAL
         WHERE (ingested_at > {at:DateTime64(3)} OR (ingested_at = {at:DateTime64(3)} AND output_id > {id:String}))
           AND ingested_at <= {cutoff:DateTime64(3)}${shardCondition(opts.shard)}
         ORDER BY ingested_at, output_id LIMIT {limit:UInt32}`,
        { at, id, cutoff, limit: batchSize },
      );
      if (batch.length === 0) break;
      batches++;
      const opened = await evaluateBatch(client, group, batch, stats, opts);
      incidentsOpened += opened;
      const last = batch[batch.length - 1];
      at = last.ingested_at;
      id = last.output_id;
      await client.insert({
        table: 'eval_watermarks',
        values: group.map((e) => ({
          evaluator: watermarkKey(e.id, opts.shard),
          evaluator_version: e.version,
          watermark_at: at,
          watermark_id: id,
          outputs_evaluated: (allMarks.get(watermarkKey(e.id, opts.shard))?.evaluated ?? 0) + stats.get(e.id)!.outputs,
          updated_at: chTime(new Date(nextVersion())),
        })),
        format: 'JSONEachRow',
      });
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
  const [{ total }] = await rows<{ total: number }>(
    client,
    'SELECT count() AS total FROM outputs FINAL WHERE occurred_at >= {since:DateTime64(3)} AND occurred_at < {until:DateTime64(3)}',
    { since, until },
  );
  log(`backfill of ${evaluators.map((e) => `${e.id} ${e.version}`).join(', ')} over ${Number(total)} outputs from ${since} to ${until}`);
  const stats = new Map(evaluators.map((e) => [e.id, { evaluator: e.id, version: e.version, outputs: 0, flags: 0, superseded: 0, errors: 0 }]));
  let incidentsOpened = 0;
  let at = since;
  let id = '';
  let done = 0;
  for (;;) {
    const batch = await rows<OutputRow>(
      client,
      `SELECT ${OUTPUT_COLUMNS} FROM outputs FINAL
       WHERE (occurred_at > {at:DateTime64(3)} OR (occurred_at = {at:DateTime64(3)} AND output_id > {id:String}))
         AND occurred_at >= {since:DateTime64(3)} AND occurred_at < {until:DateTime64(3)}
       ORDER BY occurred_at, output_id LIMIT {limit:UInt32}`,
      { at, id, since, until, limit: batchSize },
    );
    if (batch.length === 0) break;
    incidentsOpened += await evaluateBatch(client, evaluators, batch, stats, opts);
    done += batch.length;
    at = batch[batch.length - 1].occurred_at;
    id = batch[batch.length - 1].output_id;
    log(`backfill: ${done}/${Number(total)} outputs (${Math.round((100 * done) / Math.max(1, Number(total)))} %), ${summarize(evaluators, stats)}`);
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
  batch: OutputRow[],
  stats: Map<string, EvaluatorRunStats>,
  opts: RunOptions,
): Promise<number> {
  const version = nextVersion();
  const judge = evaluators.some((e) => e.id === 'policy') ? judgeFor(opts) : null;
  const newRows: FlagRow[] = [];
  const errors: { output_id: string; evaluator: string; evaluator_version: string; error: string }[] = [];
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
    const stored = await rows<FlagRow>(
      client,
      `SELECT output_id, evaluator, evaluator_version, category, rule_id, severity, confidence, where, evidence, evidence_start, explanation,
              ministry, app, model, output_at, version, is_deleted
       FROM flags FINAL WHERE evaluator = {e:String} AND output_id IN {ids:Array(String)} AND is_deleted = 0`,
      { e: e.id, ids },
    );
    const produced = new Set(newRows.filter((r) => r.evaluator === e.id).map(flagKey));
    for (const old of stored) {
      if (produced.has(flagKey(old))) continue;
      deletions.push({ ...old, version, is_deleted: 1 });
      stats.get(e.id)!.superseded++;
    }
  }
  if (newRows.length || deletions.length) {
    await client.insert({ table: 'flags', values: [...newRows, ...deletions], format: 'JSONEachRow' });
  }
  if (errors.length) await client.insert({ table: 'evaluation_errors', values: errors, format: 'JSONEachRow' });
  const opened = await openIncidents(client, newRows, batch, opts);
  return opened;
}

function flagKey(r: Pick<FlagRow, 'output_id' | 'evaluator' | 'rule_id' | 'evidence_start'>): string {
  return `${r.output_id}\u0000${r.evaluator}\u0000${r.rule_id}\u0000${r.evidence_start}`;
}

function flagRow(f: Flag, row: OutputRow, version: number, isDeleted: number): FlagRow {
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
async function openIncidents(client: ClickHouseClient, flags: FlagRow[], batch: OutputRow[], opts: RunOptions): Promise<number> {
  const serious = flags.filter((f) => (SEVERITY_RANK[f.severity as Severity] ?? 0) >= SEVERITY_RANK.high);
  if (serious.length === 0) return 0;
  const byIncident = new Map<string, FlagRow[]>();
  for (const f of serious) {
    const key = incidentId(f.output_id, f.category);
    byIncident.set(key, [...(byIncident.get(key) ?? []), f]);
  }
  const existing = new Set(
    (
      await rows<{ incident_id: string }>(client, 'SELECT incident_id FROM incidents FINAL WHERE incident_id IN {ids:Array(String)}', {
        ids: [...byIncident.keys()],
      })
    ).map((r) => r.incident_id),
  );
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
  await client.insert({ table: 'incidents', values: incidents, format: 'JSONEachRow' });
  await client.insert({
    table: 'incident_events',
    values: incidents.map((i) => ({
      incident_id: i.incident_id,
      at: i.opened_at,
      actor: 'evaluator',
      action: 'opened',
      from_status: '',
      to_status: 'new',
      assignee: '',
      verdict: '',
      note: `opened by the evaluator runner: ${i.severity} ${i.title}`,
    })),
    format: 'JSONEachRow',
  });
  await notify(incidents, opts);
  return incidents.length;
}

const NOTIFY_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', 'alerts', 'notify.ts');

async function notify(incidents: OpenedIncident[], opts: RunOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  try {
    if (opts.onIncidentsOpened) {
      await opts.onIncidentsOpened(incidents);
      return;
    }
    if (!existsSync(NOTIFY_MODULE)) return;
    // Loaded by path at run time: alerts/ is another part and may be absent from a deployment.
    const specifier = '../alerts/notify.ts';
    const mod = (await import(/* @vite-ignore */ specifier)) as { notifyIncidentsOpened?: IncidentsOpenedHook };
    if (typeof mod.notifyIncidentsOpened === 'function') await mod.notifyIncidentsOpened(incidents);
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
        return r;
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
