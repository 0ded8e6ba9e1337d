// Generates the dashboard bench data inside ClickHouse: INSERT ... SELECT FROM numbers() with every
// choice drawn from the simulator's distributions (distributions.ts) through cityHash64 of the row
// number, so a run is deterministic and 10M rows take about a minute instead of an hour of JSON.
//
// Users: a day's requests are spread over about requests / MEAN_REQUESTS_PER_ACTIVE_DAY users (a pool
// drawn per day by hash), so each active user sends several requests a day as in the simulator; a
// user's ministry follows from the user, in proportion to planned users.
// Row n (0-based) is one successful request: a usage event `e<n>` (status ok) and its output `o<n>`
// (request `r<n>`). Failed requests (error / refused, at the models' configured rates) are extra usage
// events `f<n>` with no output. Feedback, flags, incidents and DLQ rows are derived from the outputs
// with fixed rates (see FLAG_MIX and the constants below). Raw text columns are left empty: no
// dashboard query reads them, and their storage is measured on simulator text in the ingestion section.
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { addFlagsDailyWhere } from '../../../clickhouse/flags-rollup.ts';
import { addIncidentVerdictsSelect, incidentVerdictsSelect } from '../../../clickhouse/incident-verdicts-rollup.ts';
import { hallucinationScale } from '../../../pipelines/simulate/profiles.ts';
import type { TrafficShape } from './distributions.ts';
import { insertTriagedIncidents } from './triage-data.ts';
import { GENERATION_SETTINGS, lit, U, Z } from './sql.ts';

/** One kind of flag and its rate per output. */
export interface FlagKind {
  evaluator: string;
  category: string;
  rule_id: string;
  severity: string;
  where: 'prompt' | 'response';
  /** flags per output */
  rate: number;
}

/**
 * Assumed flag mix when the evaluator section could not measure one: a few percent of outputs carry
 * a citation problem (most of them "could not verify"), leakage is mostly pasted contact data, and
 * off-policy answers are rare. Stated in docs/CAPACITY.md.
 */
export const DEFAULT_FLAG_MIX: FlagKind[] = [
  { evaluator: 'citations', category: 'hallucinated_citation', rule_id: 'law_number_mismatch', severity: 'high', where: 'response', rate: 0.006 },
  { evaluator: 'citations', category: 'hallucinated_citation', rule_id: 'article_out_of_range', severity: 'medium', where: 'response', rate: 0.004 },
  { evaluator: 'citations', category: 'hallucinated_citation', rule_id: 'impossible_date', severity: 'medium', where: 'response', rate: 0.002 },
  { evaluator: 'citations', category: 'hallucinated_citation', rule_id: 'ungrounded_marker', severity: 'medium', where: 'response', rate: 0.006 },
  { evaluator: 'citations', category: 'hallucinated_citation', rule_id: 'unverifiable_law', severity: 'info', where: 'response', rate: 0.02 },
  { evaluator: 'policy', category: 'off_policy', rule_id: 'foreign_sovereignty', severity: 'high', where: 'response', rate: 0.0003 },
  { evaluator: 'policy', category: 'off_policy', rule_id: 'disputed_framing', severity: 'medium', where: 'response', rate: 0.0007 },
  { evaluator: 'leakage', category: 'leakage', rule_id: 'personal_mobile', severity: 'medium', where: 'prompt', rate: 0.004 },
  { evaluator: 'leakage', category: 'leakage', rule_id: 'personal_email', severity: 'low', where: 'prompt', rate: 0.004 },
  { evaluator: 'leakage', category: 'leakage', rule_id: 'my_number', severity: 'high', where: 'prompt', rate: 0.0008 },
  { evaluator: 'leakage', category: 'leakage', rule_id: 'credential', severity: 'critical', where: 'prompt', rate: 0.0002 },
  { evaluator: 'leakage', category: 'leakage', rule_id: 'classified_marking', severity: 'high', where: 'prompt', rate: 0.0004 },
];

export const FEEDBACK_RATE = 0.06;
export const THUMBS_DOWN_SHARE = 0.18;
export const DLQ_RATE = 0.0001;

function constants(s: TrafficShape): string {
  const c: Record<string, unknown> = {
    ministries: s.ministries,
    cumUsers: s.cumUsers,
    apps: s.apps,
    cumApps: s.cumApps,
    models: s.models,
    cumModels: s.cumModels,
    cumFailModels: s.cumFailModels,
    errorGivenFail: s.errorGivenFail,
    firstTokenMs: s.firstTokenMs,
    perTokenMs: s.perTokenMs,
    latencySigma: s.latencySigma,
    cumDays: s.cumDays,
    dayShare: s.dayShare,
    weekendDay: s.weekendDay,
    cumHourWeekday: s.cumHourWeekday,
    cumHourWeekend: s.cumHourWeekend,
  };
  return Object.entries(c).map(([k, v]) => `${lit(v)} AS ${k}`).join(',\n  ');
}

/** A request drawn from the traffic shape; `modelsCum` picks which model mix (all vs failed requests). */
function requestSelect(s: TrafficShape, from: number, count: number, modelsCum: 'cumModels' | 'cumFailModels', poolBase: number): string {
  return `WITH
  ${constants(s)}
SELECT
  number + ${from} AS n,
  toInt64(arrayFirstIndex(x -> x > ${U(4)}, cumDays)) - 1 AS day_idx,
  greatest(1, toUInt64(${poolBase} * dayShare[day_idx + 1] / ${s.requestsPerActiveDay})) AS day_pool,
  cityHash64(day_idx, toUInt64(${U(1)} * day_pool)) % ${s.totalUsers} AS user_idx,
  arrayFirstIndex(x -> x > user_idx, cumUsers) AS mi,
  ministries[mi] AS ministry,
  apps[arrayFirstIndex(x -> x > ${U(2)}, cumApps[mi])] AS app,
  arrayFirstIndex(x -> x > ${U(3)}, ${modelsCum}) AS mo,
  models[mo] AS model,
  toInt64(arrayFirstIndex(x -> x > ${U(5)}, if(weekendDay[day_idx + 1] = 1, cumHourWeekend, cumHourWeekday))) - 1 AS hour_jst,
  toDateTime64('${s.startDay} 00:00:00', 3, 'UTC')
    + toIntervalMillisecond(day_idx * 86400000 + (hour_jst - 9) * 3600000 + toInt64(${U(6)} * 3600000)) AS occurred_at,
  concat('u', toString(user_idx)) AS user_id,
  concat('s', toString(user_idx), '-', toString(day_idx)) AS session_id,
  toUInt32(greatest(5, 420 * exp(0.9 * ${Z(7, 8)}))) AS input_tokens,
  toUInt32(greatest(1, 300 * exp(0.7 * ${Z(9, 10)}))) AS output_tokens_ok,
  toUInt32(firstTokenMs[mo]) AS first_token_ms,
  toUInt32((firstTokenMs[mo] + perTokenMs[mo] * output_tokens_ok) * exp(latencySigma[mo] * ${Z(11, 12)})) AS latency_ok,
  if(${U(13)} < errorGivenFail[mo], 'error', 'refused') AS fail_status,
  if(app = 'translation', if(${U(14)} < 0.5, 'en', 'ja'), if(${U(14)} < 0.03, 'en', 'ja')) AS language,
  toUInt8(if(${U(15)} < 0.6, 2, 1)) AS confidentiality_level,
  occurred_at + toIntervalMillisecond(toInt64(1500 * exp(0.8 * ${Z(16, 17)}))) AS ingested_at
FROM numbers(${count})`;
}

const USAGE_COLS = 'event_id, occurred_at, ministry, user_id, session_id, request_id, app, model, input_tokens, output_tokens, latency_ms, status, raw, src_topic, src_partition, src_offset, ingested_at';

/**
 * Requests n = from .. from+count-1. `poolBase` is the size of the dataset being built: a day's pool of
 * active users is sized for it, so a top-up written in several chunks draws from one pool per day
 * (sized by the chunk, each chunk would give the same users ever more requests).
 */
export async function insertRequests(client: ClickHouseClient, s: TrafficShape, from: number, count: number, poolBase = count): Promise<void> {
  const settings = GENERATION_SETTINGS;
  await client.command({
    query: `INSERT INTO usage_events (${USAGE_COLS})
      SELECT concat('e', toString(n)), occurred_at, ministry, user_id, session_id, concat('r', toString(n)), app, model,
             input_tokens, output_tokens_ok, latency_ok, 'ok', '', 'genai.usage.v1', 0, n, ingested_at
      FROM (${requestSelect(s, from, count, 'cumModels', poolBase)})`,
    clickhouse_settings: settings,
  });
  await client.command({
    query: `INSERT INTO outputs (output_id, request_id, occurred_at, ministry, app, model, user_id, language, confidentiality_level,
                                 prompt, response, sources, raw, src_topic, src_partition, src_offset, ingested_at)
      SELECT concat('o', toString(n)), concat('r', toString(n)), occurred_at, ministry, app, model, user_id, language,
             confidentiality_level, '', '', '[]', '', 'genai.outputs.v1', 0, n, ingested_at
      FROM (${requestSelect(s, from, count, 'cumModels', poolBase)})`,
    clickhouse_settings: settings,
  });
  // Failed requests, in their own id space so top-ups never collide.
  const failFrom = Math.round((from * s.failShare) / (1 - s.failShare));
  const failed = Math.round(((from + count) * s.failShare) / (1 - s.failShare)) - failFrom;
  const failPool = Math.round((poolBase * s.failShare) / (1 - s.failShare));
  await client.command({
    query: `INSERT INTO usage_events (${USAGE_COLS})
      SELECT concat('f', toString(n)), occurred_at, ministry, user_id, session_id, concat('rf', toString(n)), app, model,
             input_tokens, 0, first_token_ms, fail_status, '', 'genai.usage.v1', 1, n, ingested_at
      FROM (${requestSelect(s, 1_000_000_000 + failFrom, failed, 'cumFailModels', failPool)})`,
    clickhouse_settings: settings,
  });
}

/** Feedback, flags, incidents and DLQ rows for outputs o<from> .. o<from+count-1>. */
export async function insertDerived(client: ClickHouseClient, s: TrafficShape, from: number, count: number, mix: FlagKind[]): Promise<void> {
  const range = `src_partition = 0 AND src_offset >= ${from} AND src_offset < ${from + count}`;
  const settings = GENERATION_SETTINGS;
  await client.command({
    query: `INSERT INTO feedback (output_id, occurred_at, rating, reason, comment, ministry, app, model, raw, src_topic, src_partition, src_offset, ingested_at)
      SELECT output_id, fb_at, if(cityHash64(output_id, 22) / 18446744073709551616. < ${THUMBS_DOWN_SHARE}, 'down', 'up'), '', '',
             ministry, app, model, '', 'genai.feedback.v1', 0, src_offset, fb_at + toIntervalSecond(2)
      FROM (SELECT *, occurred_at + toIntervalSecond(30 + cityHash64(output_id, 21) % 600) AS fb_at FROM outputs WHERE ${range})
      WHERE cityHash64(output_id, 20) / 18446744073709551616. < ${FEEDBACK_RATE}`,
    clickhouse_settings: settings,
  });
  // One uniform draw per output picks at most one flag kind: cumulative rates partition [0, total).
  // Citation problems follow the model's hallucination factor (the simulator's profiles): the kind is
  // drawn at rate × max factor and kept with probability factor / max factor, so the mean stays `rate`.
  const hscale = hallucinationScale();
  const maxScale = Math.max(...hscale.values());
  const isCitation = (k: FlagKind) => k.category === 'hallucinated_citation';
  let acc = 0;
  const cum = mix.map((k) => (acc += k.rate * (isCitation(k) ? maxScale : 1)));
  await client.command({
    query: `INSERT INTO flags (output_id, evaluator, evaluator_version, category, rule_id, severity, confidence, where, evidence,
                               evidence_start, explanation, ministry, app, model, output_at, version, is_deleted)
      WITH ${lit(cum)} AS cum, ${lit(mix.map((k) => k.evaluator))} AS ev, ${lit(mix.map((k) => k.category))} AS cat,
           ${lit(mix.map((k) => k.rule_id))} AS rule, ${lit(mix.map((k) => k.severity))} AS sev, ${lit(mix.map((k) => k.where))} AS wh,
           ${lit([...hscale.keys()])} AS hm, ${lit([...hscale.values()])} AS hs
      SELECT output_id, ev[k], '1.0.0', cat[k], rule[k], sev[k], 0.9, wh[k], '', toUInt32(cityHash64(output_id, 31) % 400), '',
             ministry, app, model, occurred_at, 1, 0
      FROM (
        SELECT *, cityHash64(output_id, 30) / 18446744073709551616. AS u,
               arrayFirstIndex(x -> x > u, cum) AS k
        FROM outputs WHERE ${range} AND u < ${acc}
      )
      WHERE cat[k] != 'hallucinated_citation' OR cityHash64(output_id, 32) / 18446744073709551616. < transform(model, hm, hs, 1.0) / ${maxScale}`,
    clickhouse_settings: settings,
  });
  // The flags rollup, as the runner's writeFlags keeps it (clickhouse/flags-rollup.ts): these outputs are new,
  // so their share is only added. Picked by their id number (o<n>), not an IN set of up to 90 M ids.
  const ofTheseOutputs = `toUInt64OrZero(substring(output_id, 2)) >= ${from} AND toUInt64OrZero(substring(output_id, 2)) < ${from + count}`;
  await addFlagsDailyWhere(client, ofTheseOutputs, 1);
  // Incidents for every high/critical finding, triaged as far as their age allows, with their history
  // and the reviewers' audit trail (triage-data.ts).
  await insertTriagedIncidents(client, from, count);
  // The incident rollup, as the incident store's writeIncidents keeps it (clickhouse/incident-verdicts-rollup.ts):
  // these incidents and flags are new, so their share is only added.
  await addIncidentVerdictsSelect(client, incidentVerdictsSelect({ incidents: ofTheseOutputs, flags: ofTheseOutputs }), 1);
  await client.command({
    query: `INSERT INTO ingest_errors (topic, partition, offset, error, original_base64, failed_at)
      SELECT 'genai.outputs.v1', 0, src_offset, 'ministry: unknown ministry code "xx"', base64Encode('{}'), occurred_at
      FROM outputs WHERE ${range} AND cityHash64(output_id, 50) / 18446744073709551616. < ${DLQ_RATE}`,
    clickhouse_settings: settings,
  });
}
