// Severity levels and the built-in finding categories as plain constants, without zod, so browser code
// (the incident queue's filters) can import them without pulling the schema library into the client
// bundle: zod 4 probes `new Function` when it builds a schema, which the dashboard's CSP reports.
// contracts/flags.ts re-exports them next to the Flag schema.
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

export const CATEGORIES = ['hallucinated_citation', 'off_policy', 'leakage'] as const;
