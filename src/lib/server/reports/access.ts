// Who may generate and read which report, decided on the server (the routes call these before
// touching a report). A CAIO generates and opens only their own ministry's reports; leadership may
// open any report but never the masked excerpts (counts only); admins and reviewers see everything.
import { canSeeRawText, ministryScope, requireUser, type HasUser } from '../auth/guard.ts';
import type { StoredReport } from './store.ts';

export class ReportAccessError extends Error {
  readonly status: 403 | 404;
  constructor(message: string, status: 403 | 404) {
    super(message);
    this.status = status;
  }
}

/**
 * null for every ministry, or the CAIO's one ministry. A CAIO account without a ministry gets nothing
 * (403): an empty code must never read as "no restriction" in a query.
 */
export function reportScope(locals: HasUser): string | null {
  const scope = ministryScope(locals);
  if (scope === '') throw new ReportAccessError('your account has no ministry assigned', 403);
  return scope;
}

/** The ministry a request may generate for: a CAIO's own (whatever they asked), or what was asked. */
export function generationScope(locals: HasUser, requested: string | null): string | null {
  const scope = reportScope(locals);
  if (scope === null) return requested;
  if (requested !== null && requested !== scope) throw new ReportAccessError(`you may only generate reports for ministry ${scope}`, 403);
  return scope;
}

/** May the author's report carry masked excerpts: they can read raw text of the whole scope. */
export function mayIncludeExcerpts(locals: HasUser, ministry: string | null): boolean {
  const user = requireUser(locals);
  if (user.role === 'leadership') return false;
  if (ministry === null) return user.role === 'admin' || user.role === 'reviewer';
  return canSeeRawText(locals, ministry);
}

export function requireReportAccess(locals: HasUser, report: StoredReport | undefined): StoredReport {
  const scope = reportScope(locals);
  // A CAIO gets the same answer for another ministry's report as for a missing one: no oracle of ids.
  if (!report || (scope !== null && report.ministry !== scope)) throw new ReportAccessError('no such report', 404);
  return report;
}

/**
 * The report as this viewer may see it: the stored figures, less the notable incidents' excerpts when
 * the viewer may not read raw text of the scope (the counts stay). `redacted` says so on the page.
 */
export function viewOf(locals: HasUser, report: StoredReport): StoredReport & { redacted: boolean } {
  const hasItems = report.figures.notable.items.length > 0;
  if (!hasItems || mayIncludeExcerpts(locals, report.ministry)) return { ...report, redacted: false };
  return {
    ...report,
    figures: { ...report.figures, notable: { ...report.figures.notable, items: [] } },
    redacted: true,
  };
}
