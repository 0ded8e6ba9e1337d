// A row contract per stored table (clickhouse/migrations): the one declaration of each row shape that
// code writes with `insertRows(client, table, rows)` (clickhouse/client.ts) or reads back. Types only:
// these rows come from our own code or from ClickHouse, both already checked; what arrives from outside
// is parsed with zod where it arrives (events.ts for events, flags.ts for flags and their evidence).
// Columns with a DEFAULT (ingested_at, evaluated_at, updated_at, failed_at, at) are optional when written.
// Zod-free, so browser code may import the types.
import type { IncidentRow } from './incidents.ts';

// ------------------------------------------------------------------------------------- event tables

/** Where an event came from: Kafka topic, partition and offset (file sources use their own topic name). */
export interface SourcePosition {
  src_topic: string;
  src_partition: number;
  src_offset: number;
}

/** `usage_events` columns that come from the event itself (contracts/events.ts UsageEvent). */
export interface UsageEventRow {
  event_id: string;
  occurred_at: string;
  ministry: string;
  user_id: string;
  session_id: string;
  request_id: string;
  app: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  status: string;
  /** The event as received, unknown fields included (JSON). */
  raw: string;
}

/** `outputs` columns that come from the event itself (contracts/events.ts OutputEvent). */
export interface OutputEventRow {
  output_id: string;
  request_id: string;
  occurred_at: string;
  ministry: string;
  app: string;
  model: string;
  user_id: string;
  language: string;
  confidentiality_level: number;
  prompt: string;
  response: string;
  /** JSON array of the retrieval sources. */
  sources: string;
  raw: string;
}

/** `feedback` columns that come from the event (ministry, app and model are copied from its output). */
export interface FeedbackEventRow {
  output_id: string;
  occurred_at: string;
  rating: string;
  reason: string;
  comment: string;
  ministry: string;
  app: string;
  model: string;
  raw: string;
}

export type IngestedAt = { ingested_at?: string };

export interface IngestErrorRow {
  topic: string;
  partition: number;
  offset: number;
  error: string;
  original_base64: string;
  failed_at?: string;
  /** The Kafka key, base64 (migration 0170); null when the message had none (files, OTLP over HTTP). */
  key_base64?: string | null;
}

/** An output as the evaluator runner reads it (`outputs FINAL`): what an evaluator needs, and the position. */
export type StoredOutput = Pick<OutputEventRow, 'output_id' | 'occurred_at' | 'ministry' | 'app' | 'model' | 'language' | 'prompt' | 'response' | 'sources'> & {
  ingested_at: string;
};

// -------------------------------------------------------------------------------- evaluation tables

/** `flags`: one finding of one evaluator on one output, versioned; is_deleted = 1 supersedes it. */
export interface FlagRow {
  output_id: string;
  evaluator: string;
  evaluator_version: string;
  category: string;
  rule_id: string;
  severity: string;
  confidence: number;
  where: string;
  /** JSON array of contracts/flags.ts Evidence. */
  evidence: string;
  /** The first evidence span's start: part of the flag's key. */
  evidence_start: number;
  explanation: string;
  ministry: string;
  app: string;
  model: string;
  output_at: string;
  evaluated_at?: string;
  version: number;
  is_deleted: number;
}

/** `eval_watermarks`: how far each evaluator (or evaluator shard, "citations@0/2") has read the outputs. */
export interface WatermarkRow {
  evaluator: string;
  evaluator_version: string;
  watermark_at: string;
  watermark_id: string;
  outputs_evaluated: number;
  updated_at?: string;
}

/** `evaluation_errors`: an evaluator threw on an output; the pass went on. */
export interface EvaluationErrorRow {
  output_id: string;
  evaluator: string;
  evaluator_version: string;
  error: string;
  failed_at?: string;
}

// ---------------------------------------------------------------------------------- triage and access

export type { IncidentRow } from './incidents.ts';

/** `incident_events`: the history of one incident, one row per change (opened, status, assign, note). */
export interface IncidentEventRow {
  incident_id: string;
  at?: string;
  actor: string;
  action: string;
  from_status: string;
  to_status: string;
  assignee: string;
  verdict: string;
  note: string;
}

/** `audit_log`: append-only record of who did or saw what. */
export interface AuditLogRow {
  at?: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  ministry: string;
  ip: string;
  user_agent: string;
  /** JSON object. */
  detail: string;
}

export interface UserRow {
  username: string;
  display_name: string;
  role: string;
  ministry: string;
  password_hash: string;
  disabled?: number;
  updated_at?: string;
}

export interface SessionRow {
  session_hash: string;
  username: string;
  csrf_token: string;
  created_at?: string;
  expires_at: string;
  revoked?: number;
  updated_at?: string;
}

/** `api_tokens` (issue 14): read-API tokens; only the token's SHA-256 is stored; the latest version wins. */
export interface ApiTokenRow {
  token_id: string;
  token_hash: string;
  name: string;
  role: string;
  /** The CAIO's ministry; '' for other roles. */
  ministry: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked?: number;
  updated_at?: string;
}

// ------------------------------------------------------------------------------------------ the map

/** Every table code writes rows to, with the row it takes: the key of `insertRows`. */
export interface TableRows {
  usage_events: UsageEventRow & SourcePosition & IngestedAt;
  outputs: OutputEventRow & SourcePosition & IngestedAt;
  feedback: FeedbackEventRow & SourcePosition & IngestedAt;
  ingest_errors: IngestErrorRow;
  flags: FlagRow;
  eval_watermarks: WatermarkRow;
  evaluation_errors: EvaluationErrorRow;
  incidents: IncidentRow;
  incident_events: IncidentEventRow;
  audit_log: AuditLogRow;
  users: UserRow;
  sessions: SessionRow;
  api_tokens: ApiTokenRow;
}
export type TableName = keyof TableRows;
