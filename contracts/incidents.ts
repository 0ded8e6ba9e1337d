// An incident as stored in `incidents` (clickhouse/migrations/0004): one shape for the evaluator runner
// that opens it, the triage workflow that moves it through its states, and the alerts that announce
// it. It carries no raw text (prompt or response), so it is safe to send in a notification.
// Plain constants and types, no zod: the triage UI imports them in the browser too.

export const INCIDENT_STATUSES = ['new', 'triaged', 'confirmed', 'false_positive', 'resolved'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** new → triaged → confirmed | false_positive → resolved; nothing else. */
export const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  new: ['triaged'],
  triaged: ['confirmed', 'false_positive'],
  confirmed: ['resolved'],
  false_positive: ['resolved'],
  resolved: [],
};

export function isIncidentStatus(s: unknown): s is IncidentStatus {
  return typeof s === 'string' && (INCIDENT_STATUSES as readonly string[]).includes(s);
}

export interface IncidentRow {
  incident_id: string;
  output_id: string;
  ministry: string;
  app: string;
  model: string;
  category: string;
  /** One of SEVERITIES (contracts/severities.ts). */
  severity: string;
  rule_ids: string[];
  title: string;
  /** One of INCIDENT_STATUSES. */
  status: string;
  assignee: string;
  verdict: string;
  output_at: string;
  opened_at: string;
  /** Set by ClickHouse on every version; absent on a row the runner is about to write. */
  updated_at?: string;
  version: number;
  /** What opened it: 'evaluator' (the runner; the column default) or 'review_sample' (a reviewer's miss). */
  source?: string;
}
