// A small deterministic pilot: raw usage, outputs, feedback, flags and incidents inserted through the
// plain client so the materialized views fill the rollups exactly as ingestion does. Tests compute
// every expected figure from these raw rows, independently of the SQL under test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../../config/env.ts';
import { closeClickHouse, getClickHouse, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { writeFlags } from '../../../clickhouse/stores/evaluation.ts';
import { writeIncidents } from '../../../clickhouse/stores/incidents.ts';
import type { FeedbackEventRow, FlagRow, IncidentRow, OutputEventRow, UsageEventRow } from '../../../contracts/tables.ts';

// The row contracts of contracts/tables.ts, without the columns this fixture leaves to their defaults.
export type Usage = Omit<UsageEventRow, 'raw'>;
export type Output = Omit<OutputEventRow, 'raw'>;
export type Feedback = Omit<FeedbackEventRow, 'raw' | 'rating'> & { rating: 'up' | 'down' };
export type { FlagRow, IncidentRow };

export const MINISTRIES = ['mof', 'mhlw', 'da'];
export const APPS = ['chat', 'drafting', 'translation'];
export const MODELS = ['model-a', 'model-b', 'model-c'];
export const FIRST_DAY = '2026-06-01';
export const DAYS = 45;

/** Park–Miller: the same "random" pilot on every run. */
function prng(seed: number) {
  let s = seed;
  return () => (s = (s * 48271) % 2147483647) / 2147483647;
}

export interface Pilot {
  usage: Usage[];
  outputs: Output[];
  feedback: Feedback[];
  /** Every flag row written, including superseded versions and deletions. */
  flagRows: FlagRow[];
  /** Every incident version written. */
  incidentRows: IncidentRow[];
}

const day = (i: number) => new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);

export function makePilot(): Pilot {
  const r = prng(20260601);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)];
  const p: Pilot = { usage: [], outputs: [], feedback: [], flagRows: [], incidentRows: [] };
  let n = 0;
  for (let d = 0; d < DAYS; d++) {
    const perDay = 40 + Math.floor(r() * 30) + d; // growing adoption
    for (let k = 0; k < perDay; k++) {
      n++;
      const ministry = pick(MINISTRIES);
      const user = `${ministry}-u${Math.floor(r() * (10 + d))}`;
      const app = pick(APPS);
      const model = pick(MODELS);
      const at = `${day(d)}T${String(Math.floor(r() * 24)).padStart(2, '0')}:${String(Math.floor(r() * 60)).padStart(2, '0')}:00.000Z`;
      const status = r() < 0.05 ? 'error' : r() < 0.03 ? 'refused' : 'ok';
      const base = model === 'model-a' ? 800 : model === 'model-b' ? 1500 : 2500;
      const latency = Math.round(base + r() * base);
      const id = `r${n}`;
      p.usage.push({ event_id: `e${n}`, occurred_at: at, ministry, user_id: user, session_id: `s${n}`, request_id: id, app, model, input_tokens: 100 + Math.floor(r() * 500), output_tokens: 50 + Math.floor(r() * 900), latency_ms: latency, status });
      if (status !== 'ok') continue;
      const out: Output = { output_id: `o${n}`, request_id: id, occurred_at: at, ministry, app, model, user_id: user, language: 'ja', confidentiality_level: 2, prompt: '質問', response: '回答', sources: '[]' };
      p.outputs.push(out);
      if (r() < 0.3) p.feedback.push({ output_id: out.output_id, occurred_at: at, rating: r() < 0.25 ? 'down' : 'up', reason: '', comment: '', ministry, app, model });
      const roll = r();
      const flag = (category: string, evaluator: string, rule_id: string, severity: string, start: number, version = 1, is_deleted = 0): FlagRow => ({
        output_id: out.output_id, evaluator, evaluator_version: `1.${version}.0`, category, rule_id, severity, confidence: 0.9, where: 'response', evidence: '[]', evidence_start: start, explanation: 'x', ministry, app, model, output_at: at, version, is_deleted,
      });
      if (roll < 0.06) {
        p.flagRows.push(flag('hallucinated_citation', 'citations', 'law_number_mismatch', 'high', 3));
        if (r() < 0.5) p.flagRows.push(flag('hallucinated_citation', 'citations', 'article_out_of_range', 'medium', 10));
      } else if (roll < 0.09) {
        p.flagRows.push(flag('hallucinated_citation', 'citations', 'unverifiable_law', 'info', 5)); // not a finding
      } else if (roll < 0.12) {
        p.flagRows.push(flag('leakage', 'leakage', 'mobile_number', 'medium', 0));
      } else if (roll < 0.14) {
        p.flagRows.push(flag('off_policy', 'policy', 'senkaku_sovereignty', 'high', 7));
      } else if (roll < 0.16) {
        // Superseded: version 1 flagged, version 2 withdrew it. Must not count anywhere.
        p.flagRows.push(flag('leakage', 'leakage', 'mynumber', 'critical', 2, 1, 0));
        p.flagRows.push(flag('leakage', 'leakage', 'mynumber', 'critical', 2, 2, 1));
      }
    }
  }
  // Incidents for high findings; a reviewer judged some (an earlier undecided version is kept too).
  let inc = 0;
  for (const f of p.flagRows) {
    if (f.severity !== 'high' || f.is_deleted) continue;
    inc++;
    const base: IncidentRow = { incident_id: `i${inc}`, output_id: f.output_id, ministry: f.ministry, app: f.app, model: f.model, category: f.category, severity: f.severity, rule_ids: [f.rule_id], title: `${f.category}: ${f.rule_id}`, status: 'open', assignee: '', verdict: '', output_at: f.output_at, opened_at: f.output_at, version: 1 };
    p.incidentRows.push(base);
    const x = r();
    if (x < 0.6) p.incidentRows.push({ ...base, status: 'closed', assignee: 'rev1', verdict: x < 0.45 ? 'confirmed' : 'false_positive', version: 2 });
  }
  return p;
}

export interface TestDb {
  client: ClickHouseClient;
  close(): Promise<void>;
}

export async function openPilotDb(p: Pilot): Promise<TestDb> {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-queries-'));
  const client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 4000 });
  // Several inserts, like several ingest batches: the rollups then hold several parts per key,
  // which is what the -Merge functions must combine.
  const chunks = <T>(xs: T[], size: number) => Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, i * size + size));
  for (const c of chunks(p.usage, 700)) await client.insert({ table: 'usage_events', values: c, format: 'JSONEachRow' });
  for (const c of chunks(p.outputs, 700)) await client.insert({ table: 'outputs', values: c, format: 'JSONEachRow' });
  await client.insert({ table: 'feedback', values: p.feedback, format: 'JSONEachRow' });
  await writeFlags(client, p.flagRows); // the runner's write: keeps the flags rollup (flags_daily)
  await writeIncidents(client, p.incidentRows); // the incident store's write: keeps incident_verdicts_daily
  return {
    client,
    async close() {
      await closeClickHouse();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { day };
