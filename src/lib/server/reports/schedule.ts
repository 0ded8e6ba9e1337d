// Monthly delivery (optional, OVERSIGHT_MONTHLY_REPORTS=1): on the first working day of each month
// (JST, see working-day.ts) at OVERSIGHT_REPORT_HOUR_JST, generate every ministry's monthly report for
// the month before and send the links through the alert channels: each ministry's CAIOs get their
// own ministry's link, the reviewers and the webhook the list. Links and identifiers only, never
// figures or text: the report itself needs a sign-in, and opening it is scoped and audited.
// Running twice for a month (a restart, a second `serve`) makes no second report: an existing
// scheduled report of the same series is reused.
import type { ClickHouseClient } from '../queries/db.ts';
import { queryRows, targetFromEnv } from '../../../../clickhouse/client.ts';
import { runOnce } from '../../../../clickhouse/run-once.ts';
import { loadEnv } from '../../../../config/env.ts';
import { MINISTRIES, ministryByCode, plannedUsers } from '../../../../contracts/ministries.ts';
import { hasChannels, loadAlertConfig, type AlertConfig } from '../../../../alerts/config.ts';
import type { MailMessage, WebhookPayload } from '../../../../alerts/message.ts';
import { createTransports, withRetries, type Transports } from '../../../../alerts/transports.ts';
import { loadReportConfig, type ReportConfig } from './config.ts';
import { lastCompleteMonth, parsePeriod } from './period.ts';
import { generateReport, seriesKey } from './store.ts';
import { firstWorkingDay } from './working-day.ts';

const JST_OFFSET_MS = 9 * 3_600_000;
export const SCHEDULE_AUTHOR = { username: 'oversight-schedule', role: 'system' };

export interface ScheduledReport {
  ministry: string;
  report_id: string;
  url: string;
  /** False when this month's scheduled report already existed and was reused. */
  created: boolean;
}

export interface MonthlyDelivery {
  month: string;
  reports: ScheduledReport[];
  webhook: WebhookPayload | null;
  mails: MailMessage[];
  failures: number;
}

export function reportUrl(base: string, reportId: string): string {
  return `${base}/reports/${encodeURIComponent(reportId)}`;
}

/** The messages for one month's reports (pure: tests and --dry-run read them). */
export function monthlyMessages(month: string, reports: ScheduledReport[], alerts: AlertConfig): { webhook: WebhookPayload | null; mails: MailMessage[] } {
  const name = (code: string) => ministryByCode(code)?.name_ja ?? code;
  const lines = reports.map((r) => `• ${name(r.ministry)} (${r.ministry}): ${r.url}`);
  const footer = [
    '',
    '本メッセージには数値・本文を含めていません。リンク先（要ログイン、閲覧は監査ログに記録）で確認してください。',
    'This message carries no figures or text; open the link (sign-in required, access is audited).',
  ];
  const mails: MailMessage[] = [];
  if (alerts.reviewers.length > 0 && reports.length > 0) {
    mails.push({
      to: alerts.reviewers,
      subject: `[Oversight] 府省庁月次報告 ${month}（${reports.length} 府省庁） / monthly reports`,
      text: [`${month} の府省庁月次報告を作成しました。/ The monthly ministry reports for ${month} are ready.`, '', ...lines, ...footer].join('\n'),
    });
  }
  for (const r of reports) {
    const caios = alerts.caioEmails[r.ministry] ?? [];
    if (caios.length === 0) continue;
    mails.push({
      to: caios,
      subject: `[Oversight] ${name(r.ministry)} 月次報告 ${month} / monthly report`,
      text: [`${name(r.ministry)}の ${month} 月次報告を作成しました。/ Your ministry's monthly report for ${month} is ready.`, '', r.url, ...footer].join('\n'),
    });
  }
  const webhook: WebhookPayload | null = alerts.webhookUrl
    ? {
        text: [`【Oversight】府省庁月次報告 ${month} / monthly ministry reports`, ...lines].join('\n'),
        kind: 'monthly_reports',
        count: reports.length,
        by_severity: {},
        by_ministry: Object.fromEntries(reports.map((r) => [r.ministry, 1])),
        by_category: {},
        queue_url: `${alerts.publicBaseUrl}/reports`,
        reports: reports.map(({ ministry, report_id, url }) => ({ ministry, report_id, url })),
      }
    : null;
  return { webhook, mails };
}

export interface RunMonthlyOptions {
  /** The month reported on (YYYY-MM); default: the last complete month. */
  month?: string;
  config?: ReportConfig;
  alerts?: AlertConfig;
  transports?: Transports;
  dryRun?: boolean;
  log?: (line: string) => void;
  now?: Date;
}

/** Generates (or reuses) every ministry's monthly report for `month` and sends the links. */
export async function runMonthlyReports(client: ClickHouseClient, opts: RunMonthlyOptions = {}): Promise<MonthlyDelivery> {
  const now = opts.now ?? new Date();
  const month = opts.month ?? lastCompleteMonth(new Date(now.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10));
  const period = parsePeriod('month', month);
  const config = opts.config ?? loadReportConfig();
  const alerts = opts.alerts ?? loadAlertConfig();
  const log = opts.log ?? ((line: string) => process.stderr.write(`reports: ${line}\n`));
  const planned = plannedUsers(loadEnv().OVERSIGHT_PLANNED_USERS);
  const reports: ScheduledReport[] = [];
  for (const m of MINISTRIES) {
    const series = seriesKey('ministry', period, m.code);
    const [existing] = await queryRows<{ report_id: string }>(
      client,
      `SELECT report_id FROM reports WHERE series = {series:String} AND origin = 'schedule' ORDER BY version DESC LIMIT 1`,
      { series },
    );
    if (existing) {
      reports.push({ ministry: m.code, report_id: existing.report_id, url: reportUrl(alerts.publicBaseUrl, existing.report_id), created: false });
      continue;
    }
    if (opts.dryRun) continue;
    const r = await generateReport(
      client,
      { kind: 'ministry', period_kind: 'month', period: month, ministry: m.code },
      SCHEDULE_AUTHOR,
      // Stored with the masked excerpts; who may see them is decided per reader when it is opened.
      { origin: 'schedule', planned, curve: config.targets, withExcerpts: true, now },
    );
    reports.push({ ministry: m.code, report_id: r.report_id, url: reportUrl(alerts.publicBaseUrl, r.report_id), created: true });
  }
  const { webhook, mails } = monthlyMessages(month, reports, alerts);
  const delivery: MonthlyDelivery = { month, reports, webhook, mails, failures: 0 };
  if (opts.dryRun) return delivery;
  if (!hasChannels(alerts)) {
    log(`monthly reports ${month}: ${reports.filter((r) => r.created).length} generated; no alert channel configured, logged only`);
    return delivery;
  }
  const transports = opts.transports ?? createTransports(alerts);
  const attempt = async (what: string, send: () => Promise<void>) => {
    try {
      await withRetries(what, send);
    } catch (err) {
      delivery.failures++;
      log((err as Error).message);
    }
  };
  try {
    if (webhook && transports.webhook) await attempt('monthly reports webhook', () => transports.webhook!(webhook));
    if (transports.mail) for (const m of mails) await attempt(`monthly reports mail to ${m.to.length} recipient(s)`, () => transports.mail!(m));
  } finally {
    if (!opts.transports) transports.close();
  }
  log(`monthly reports ${month}: ${reports.filter((r) => r.created).length} generated, ${mails.length} mail(s), ${webhook ? 1 : 0} webhook, ${delivery.failures} failure(s)`);
  return delivery;
}

/** The next run after `nowMs`: the first working day (JST) of this or the next month, at `hour`:00 JST, in epoch ms. */
export function nextMonthlyRun(nowMs: number, hour: number): number {
  const jstNow = new Date(nowMs + JST_OFFSET_MS);
  for (let i = 0; i < 3; i++) {
    const d = new Date(Date.UTC(jstNow.getUTCFullYear(), jstNow.getUTCMonth() + i, 1));
    const day = firstWorkingDay(d.toISOString().slice(0, 7));
    const at = Date.parse(`${day}T${String(hour).padStart(2, '0')}:00:00Z`) - JST_OFFSET_MS;
    if (at > nowMs) return at;
  }
  throw new Error('no monthly run within three months');
}

/** setTimeout cannot wait longer than about 24.8 days; longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** For `oversight serve`: runs the monthly reports when OVERSIGHT_MONTHLY_REPORTS=1, else does nothing. */
export function startMonthlyReports(client: ClickHouseClient, opts: { config?: ReportConfig; log?: (line: string) => void } = {}): { stop(): void } {
  const config = opts.config ?? loadReportConfig();
  if (!config.monthlySchedule) return { stop() {} };
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const due = nextMonthlyRun(Date.now(), config.scheduleHourJst);
    const wait = Math.min(due - Date.now(), MAX_TIMER_MS);
    timer = setTimeout(async () => {
      if (Date.now() >= due) {
        try {
          // Several `serve` processes against one ClickHouse server each reach this timer: the month's
          // delivery runs in the one that claims it first (clickhouse/run-once.ts), as the digest does.
          const month = lastCompleteMonth(new Date(Date.now() + JST_OFFSET_MS).toISOString().slice(0, 10));
          const settle = targetFromEnv(loadEnv()).kind === 'embedded' ? { settleMs: 0 } : {};
          const run = await runOnce(client, 'monthly_reports', month, () => runMonthlyReports(client, { config, log: opts.log, month }), settle);
          if (!run.ran) opts.log?.(`monthly reports ${month}: already run by ${run.winner}`);
        } catch (err) {
          opts.log?.(`monthly reports failed: ${(err as Error).message}`);
        }
      }
      schedule();
    }, Math.max(0, wait));
    timer.unref();
  };
  schedule();
  opts.log?.(`monthly reports scheduled: next ${new Date(nextMonthlyRun(Date.now(), config.scheduleHourJst)).toISOString()}`);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
