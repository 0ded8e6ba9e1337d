// Option lists of the queue page (shared by its filters and sortable columns).
export const STATUSES_UI = ['new', 'triaged', 'confirmed', 'false_positive', 'resolved'] as const;
export const AGE_BUCKETS_UI = ['lt1d', '1to7d', 'gt7d', 'gt30d'] as const;
/** Sortable columns, in table order after ID and summary. */
export const SORTABLE = ['status', 'severity', 'category', 'ministry', 'model', 'assignee', 'opened_at'] as const;
