// What the /reports routes do on the server, in one SvelteKit-aware module (like queries/view.ts): read
// the form, enforce who may generate and open which report, generate, audit, and serve downloads.
import { error } from '@sveltejs/kit';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { loadEnv } from '../../../../config/env.ts';
import { plannedUsers, isMinistryCode } from '../../../../contracts/ministries.ts';
import { PERIOD_KINDS, REPORT_KINDS, type PeriodKind, type ReportKind, type ReportRequest } from '../../../../contracts/reports.ts';
import { actorOf, writeAudit, type RequestLike } from '../audit.ts';
import { requireUser, type HasUser } from '../auth/guard.ts';
import { ReportAccessError, generationScope, mayIncludeExcerpts, requireReportAccess, viewOf } from './access.ts';
import { loadReportConfig } from './config.ts';
import { PeriodError, parsePeriod } from './period.ts';
import { generateReport, getReport, type StoredReport } from './store.ts';

export class ReportFormError extends Error {}

const str = (form: FormData, key: string) => String(form.get(key) ?? '').trim();

/** The form of /reports as a request: the period field that matches the chosen period kind. */
export function parseReportForm(form: FormData): ReportRequest {
  const kind = str(form, 'kind');
  const periodKind = str(form, 'period_kind');
  if (!(REPORT_KINDS as readonly string[]).includes(kind)) throw new ReportFormError(`unknown kind ${JSON.stringify(kind)}`);
  if (!(PERIOD_KINDS as readonly string[]).includes(periodKind)) throw new ReportFormError(`unknown period kind ${JSON.stringify(periodKind)}`);
  const period =
    periodKind === 'month' ? str(form, 'month') : periodKind === 'quarter' ? str(form, 'quarter') : `${str(form, 'from')}..${str(form, 'to')}`;
  try {
    parsePeriod(periodKind as PeriodKind, period);
  } catch (err) {
    if (err instanceof PeriodError) throw new ReportFormError(err.message);
    throw err;
  }
  const ministry = str(form, 'ministry') || null;
  if (ministry !== null && !isMinistryCode(ministry)) throw new ReportFormError(`unknown ministry code ${JSON.stringify(ministry)}`);
  return { kind: kind as ReportKind, period_kind: periodKind as PeriodKind, period, ministry };
}

/** Generates (as the signed-in user, held to their scope) and audits; returns the stored report. */
export async function generateAs(event: RequestLike, req: ReportRequest): Promise<StoredReport> {
  const user = requireUser(event.locals);
  let ministry: string | null;
  try {
    ministry = generationScope(event.locals, req.ministry);
  } catch (err) {
    if (err instanceof ReportAccessError) error(err.status, err.message);
    throw err;
  }
  const client = await getClickHouse();
  const config = loadReportConfig();
  const report = await generateReport(
    client,
    { ...req, ministry },
    { username: user.username, role: user.role },
    { origin: 'ui', planned: plannedUsers(loadEnv().OVERSIGHT_PLANNED_USERS), curve: config.targets, withExcerpts: mayIncludeExcerpts(event.locals, ministry) },
  );
  await writeAudit(client, actorOf(event), {
    action: 'report_generate',
    target: report.report_id,
    ministry: ministry ?? '',
    detail: { kind: report.kind, period: report.params.period, version: report.version, excerpts: report.figures.notable.items.length, hash: report.content_hash },
  });
  return report;
}

/**
 * A report as the signed-in user may see it. A CAIO gets 403 for any report outside their ministry,
 * existing or not (no oracle of other ministries' report ids); others get 404 for a missing one.
 */
export async function openReport(locals: HasUser, id: string): Promise<StoredReport & { redacted: boolean }> {
  const user = requireUser(locals);
  const report = await getReport(await getClickHouse(), id);
  try {
    return viewOf(locals, requireReportAccess(locals, report));
  } catch (err) {
    if (err instanceof ReportAccessError) {
      if (user.role === 'caio') error(403, 'You can only open your own ministry’s reports');
      error(err.status, err.message);
    }
    throw err;
  }
}

/** Raw text (masked excerpts) shown to this viewer is recorded like any raw-text view. */
export async function auditExcerptView(event: RequestLike, report: StoredReport & { redacted: boolean }): Promise<void> {
  if (report.figures.notable.items.length === 0) return;
  await writeAudit(await getClickHouse(), actorOf(event), {
    action: 'view_raw',
    target: report.report_id,
    ministry: report.ministry ?? '',
    detail: { page: 'report', excerpts: report.figures.notable.items.map((i) => i.incident_id) },
  });
}

export async function auditDownload(event: RequestLike, report: StoredReport & { redacted: boolean }, format: 'markdown' | 'json', lang: string): Promise<void> {
  await writeAudit(await getClickHouse(), actorOf(event), {
    action: 'report_download',
    target: report.report_id,
    ministry: report.ministry ?? '',
    detail: { format, lang, version: report.version, hash: report.content_hash, redacted: report.redacted, excerpts: report.figures.notable.items.length },
  });
}

/** A file name safe in a Content-Disposition header. */
export function downloadName(report: StoredReport, ext: string): string {
  return `${report.report_id}-v${report.version}.${ext}`;
}
