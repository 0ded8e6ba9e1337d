// The daily digest: per ministry, the incidents opened on a JST calendar day, the open backlog and the
// day's reviewer verdicts. Counts only, never text. Reviewers get the all-ministry digest, each
// ministry's CAIOs their own (only when there is something to report), the webhook one summary.
import type { ClickHouseClient } from '@clickhouse/client';
import { runOnce, type RunOnceOptions } from '../clickhouse/run-once.ts';
import { incidentStateCounts, openedIncidentCounts } from '../clickhouse/stores/incidents.ts';
import { MINISTRIES } from '../contracts/ministries.ts';
import { hasChannels, loadAlertConfig, type AlertConfig } from './config.ts';
import { digestText, digestWebhookPayload, type DigestSummary, type MailMessage, type WebhookPayload } from './message.ts';
import { createTransports, withRetries, type Transports } from './transports.ts';

const JST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

export interface Digest {
  date: string;
  all: DigestSummary;
  perMinistry: DigestSummary[];
}

export interface DigestDelivery {
  webhook: WebhookPayload | null;
  mails: MailMessage[];
}

/** The JST calendar day before `nowMs`, as YYYY-MM-DD. */
export function previousJstDay(nowMs: number): string {
  return new Date(nowMs + JST_OFFSET_MS - DAY_MS).toISOString().slice(0, 10);
}

function jstDayBounds(date: string): { from: string; to: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new Error(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const start = Date.parse(`${date}T00:00:00Z`) - JST_OFFSET_MS;
  return { from: new Date(start).toISOString(), to: new Date(start + DAY_MS).toISOString() };
}

function empty(date: string, ministry: string | null): DigestSummary {
  return { date, ministry, opened: 0, by_severity: {}, by_category: {}, open_backlog: 0, confirmed: 0, false_positive: 0 };
}

export async function computeDigest(client: ClickHouseClient, date: string): Promise<Digest> {
  const { from, to } = jstDayBounds(date);
  const opened = await openedIncidentCounts(client, { from, to });
  const state = await incidentStateCounts(client, { from, to });
  const per = new Map(MINISTRIES.map((m) => [m.code, empty(date, m.code)]));
  const all = empty(date, null);
  for (const r of opened) {
    for (const d of [per.get(r.ministry), all]) {
      if (!d) continue;
      d.opened += r.n;
      d.by_severity[r.severity] = (d.by_severity[r.severity] ?? 0) + r.n;
      d.by_category[r.category] = (d.by_category[r.category] ?? 0) + r.n;
    }
  }
  for (const r of state) {
    for (const d of [per.get(r.ministry), all]) {
      if (!d) continue;
      d.open_backlog += r.open_backlog;
      d.confirmed += r.confirmed;
      d.false_positive += r.false_positive;
    }
  }
  return { date, all, perMinistry: [...per.values()] };
}

/** The messages a digest turns into, for the configured audiences. */
export function digestMessages(digest: Digest, config: AlertConfig): DigestDelivery {
  const base = config.publicBaseUrl;
  const active = digest.perMinistry.filter((d) => d.opened > 0 || d.open_backlog > 0);
  const mails: MailMessage[] = [];
  if (config.reviewers.length > 0) {
    mails.push({
      to: config.reviewers,
      subject: `[Oversight] 日次ダイジェスト ${digest.date}：新規 ${digest.all.opened} 件 / daily digest`,
      text: [digestText(digest.all, base), '', ...active.map((d) => digestText(d, base) + '\n')].join('\n'),
    });
  }
  for (const d of active) {
    const caios = config.caioEmails[d.ministry!] ?? [];
    if (caios.length === 0) continue;
    mails.push({ to: caios, subject: `[Oversight] 日次ダイジェスト ${digest.date}（${d.ministry}）：新規 ${d.opened} 件`, text: digestText(d, base) });
  }
  return { webhook: config.webhookUrl ? digestWebhookPayload(digest.all, digest.perMinistry, base) : null, mails };
}

export interface SendDigestOptions {
  date: string;
  config?: AlertConfig;
  transports?: Transports;
  dryRun?: boolean;
  log?: (line: string) => void;
}

/** Computes and sends one day's digest; returns what was (or, dry-run, would be) sent. */
export async function sendDailyDigest(client: ClickHouseClient, opts: SendDigestOptions): Promise<{ digest: Digest; delivery: DigestDelivery; failures: number }> {
  const config = opts.config ?? loadAlertConfig();
  const log = opts.log ?? ((line: string) => process.stderr.write(`alerts: ${line}\n`));
  const digest = await computeDigest(client, opts.date);
  const delivery = digestMessages(digest, config);
  if (opts.dryRun) return { digest, delivery, failures: 0 };
  if (!hasChannels(config)) {
    log(`digest ${digest.date}: ${digest.all.opened} opened, ${digest.all.open_backlog} open; no alert channel configured, logged only`);
    return { digest, delivery, failures: 0 };
  }
  const transports = opts.transports ?? createTransports(config);
  let failures = 0;
  const attempt = async (what: string, send: () => Promise<void>) => {
    try {
      await withRetries(what, send);
    } catch (err) {
      failures++;
      log((err as Error).message);
    }
  };
  try {
    if (delivery.webhook && transports.webhook) await attempt('digest webhook', () => transports.webhook!(delivery.webhook!));
    if (transports.mail) for (const m of delivery.mails) await attempt(`digest mail to ${m.to.length} recipient(s)`, () => transports.mail!(m));
  } finally {
    if (!opts.transports) transports.close();
  }
  log(`digest ${digest.date}: ${digest.all.opened} opened, ${digest.all.open_backlog} open; ${delivery.webhook ? 1 : 0} webhook, ${delivery.mails.length} mail(s), ${failures} failure(s)`);
  return { digest, delivery, failures };
}

/** Milliseconds from `nowMs` to the next `hour`:00 JST. */
export function msUntilJstHour(nowMs: number, hour: number): number {
  const jst = nowMs + JST_OFFSET_MS;
  const dayStart = jst - (jst % DAY_MS);
  let next = dayStart + hour * 3_600_000;
  if (next <= jst) next += DAY_MS;
  return next - jst;
}

/** The job name the daily digest claims its day under in job_claims (clickhouse/run-once.ts). */
export const DIGEST_JOB = 'daily_digest';

/**
 * Sends one day's digest unless another process already claimed that day: with several `oversight
 * serve` processes on one ClickHouse server, each wakes at the digest hour and exactly one sends.
 */
export async function sendDailyDigestOnce(
  client: ClickHouseClient,
  opts: SendDigestOptions & { claim?: RunOnceOptions },
): Promise<{ sent: boolean; by: string }> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`alerts: ${line}\n`));
  const run = await runOnce(client, DIGEST_JOB, opts.date, () => sendDailyDigest(client, opts), opts.claim);
  if (!run.ran) log(`digest ${opts.date}: sent by another process (${run.winner}), not again here`);
  return { sent: run.ran, by: run.ran ? run.claimant : run.winner };
}

/** For `oversight serve`: sends the previous day's digest every day at OVERSIGHT_DIGEST_HOUR_JST, once across processes. */
export function startDailyDigest(client: ClickHouseClient, opts: { config?: AlertConfig; log?: (line: string) => void; claim?: RunOnceOptions } = {}): { stop(): void } {
  const config = opts.config ?? loadAlertConfig();
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      try {
        await sendDailyDigestOnce(client, { date: previousJstDay(Date.now()), config, log: opts.log, claim: opts.claim });
      } catch (err) {
        opts.log?.(`daily digest failed: ${(err as Error).message}`);
      }
      schedule();
    }, msUntilJstHour(Date.now(), config.digestHourJst));
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
