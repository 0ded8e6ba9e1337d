// Option lists of the queue page (shared by its filters and sortable columns).
// The statuses come from the contract (zod-free, so the browser bundle stays small).
export { INCIDENT_STATUSES as STATUSES_UI } from '$contracts/incidents.ts';
export const AGE_BUCKETS_UI = ['lt1d', '1to7d', 'gt7d', 'gt30d'] as const;
/** Sortable columns, in table order after ID and summary. */
export const SORTABLE = ['status', 'severity', 'category', 'ministry', 'model', 'assignee', 'opened_at'] as const;
