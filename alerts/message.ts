// Notification content. Model output is sensitive (personal data, classified text): a message names
// an incident by its identifiers, classification and link, and nothing else. No field of an incident
// that could carry raw text (the free-form title included) is copied; identifiers are checked against
// a strict pattern so that even a malformed row cannot smuggle text into a chat channel or an e-mail.
import { SEVERITY_RANK, type Severity } from '../contracts/flags.ts';
import { ministryByCode } from '../contracts/ministries.ts';
import type { IncidentRow } from '../contracts/incidents.ts';
import { findingTitle, hasFindingMessages } from '../contracts/finding-messages.ts';

/** An incident row: the columns of the `incidents` table (clickhouse/migrations/0004). */
export type AlertIncident = IncidentRow;

/** What a message may say about one incident. */
export interface IncidentSummary {
  incident_id: string;
  ministry: string;
  ministry_name: string;
  app: string;
  model: string;
  category: string;
  severity: Severity;
  rule_ids: string[];
  output_at: string;
  opened_at: string;
  url: string;
}

export interface WebhookPayload {
  /** plain text for chat tools (Slack, Mattermost, Teams and Google Chat incoming webhooks read `text`) */
  text: string;
  kind: 'incidents_opened' | 'daily_digest' | 'monthly_reports';
  count: number;
  by_severity: Record<string, number>;
  by_ministry: Record<string, number>;
  by_category: Record<string, number>;
  incidents?: IncidentSummary[];
  /** incidents not listed individually */
  more?: number;
  queue_url: string;
  digest?: DigestSummary;
  /** monthly_reports (src/lib/server/reports/schedule.ts): one link per ministry's generated report */
  reports?: { ministry: string; report_id: string; url: string }[];
}

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

export interface DigestSummary {
  date: string;
  ministry: string | null;
  opened: number;
  by_severity: Record<string, number>;
  by_category: Record<string, number>;
  open_backlog: number;
  confirmed: number;
  false_positive: number;
}

const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const SEVERITIES = new Set(Object.keys(SEVERITY_RANK));
/** Incidents listed one by one in a message; the rest are counted and linked through the queue. */
export const MAX_LISTED = 20;

function token(value: unknown, fallback: string): string {
  return typeof value === 'string' && TOKEN.test(value) ? value : fallback;
}

function isoTime(value: unknown): string {
  if (typeof value !== 'string') return '';
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}

export function summarize(incident: AlertIncident, baseUrl: string): IncidentSummary {
  const id = token(incident.incident_id, 'unknown');
  const ministry = ministryByCode(incident.ministry) ? incident.ministry : 'unknown';
  return {
    incident_id: id,
    ministry,
    ministry_name: ministryByCode(ministry)?.name_ja ?? '不明',
    app: token(incident.app, 'unknown'),
    model: token(incident.model, 'unknown'),
    category: token(incident.category, 'unknown'),
    severity: (SEVERITIES.has(incident.severity) ? incident.severity : 'high') as Severity,
    rule_ids: (Array.isArray(incident.rule_ids) ? incident.rule_ids : []).map((r) => token(r, 'rule')).slice(0, 10),
    output_at: isoTime(incident.output_at),
    opened_at: isoTime(incident.opened_at),
    url: incidentUrl(baseUrl, id),
  };
}

export function incidentUrl(baseUrl: string, incidentId: string): string {
  return `${baseUrl}/incidents/${encodeURIComponent(incidentId)}`;
}

export function queueUrl(baseUrl: string, ministry?: string): string {
  return ministry ? `${baseUrl}/incidents?status=open&ministry=${encodeURIComponent(ministry)}` : `${baseUrl}/incidents?status=open`;
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

function bySeverityDesc(a: IncidentSummary, b: IncidentSummary): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.opened_at.localeCompare(b.opened_at) || a.incident_id.localeCompare(b.incident_id);
}

/** A rule's Japanese title with its id (titles come from a fixed table, never from the incident row). */
function ruleLabel(id: string): string {
  return hasFindingMessages(id) ? `${findingTitle(id, 'ja')} (${id})` : id;
}

function line(s: IncidentSummary): string {
  return `• [${s.severity}] ${s.category} — ${s.ministry_name} (${s.ministry}) / ${s.app} / ${s.model} — ${s.rule_ids.map(ruleLabel).join(', ')}\n  ${s.url}`;
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** One chat message for a batch of opened incidents. */
export function incidentsWebhookPayload(summaries: IncidentSummary[], baseUrl: string): WebhookPayload {
  const sorted = [...summaries].sort(bySeverityDesc);
  const listed = sorted.slice(0, MAX_LISTED);
  const more = sorted.length - listed.length;
  const bySeverity = countBy(sorted, (s) => s.severity);
  const text = [
    `【Oversight】重要度 high 以上のインシデントが ${sorted.length} 件発生しました / ${sorted.length} incident(s) of severity high or above opened`,
    `重要度 severity: ${counts(bySeverity)}　府省庁 ministry: ${counts(countBy(sorted, (s) => s.ministry))}`,
    ...listed.map(line),
    ...(more > 0 ? [`…ほか ${more} 件 / and ${more} more`] : []),
    `キュー / queue: ${queueUrl(baseUrl)}`,
  ].join('\n');
  return {
    text,
    kind: 'incidents_opened',
    count: sorted.length,
    by_severity: bySeverity,
    by_ministry: countBy(sorted, (s) => s.ministry),
    by_category: countBy(sorted, (s) => s.category),
    incidents: listed,
    more,
    queue_url: queueUrl(baseUrl),
  };
}

/** An e-mail for one audience (the reviewers: every ministry; a ministry's CAIOs: their own). */
export function incidentsMail(summaries: IncidentSummary[], to: string[], baseUrl: string, ministry?: string): MailMessage {
  const sorted = [...summaries].sort(bySeverityDesc);
  const listed = sorted.slice(0, MAX_LISTED);
  const more = sorted.length - listed.length;
  const scope = ministry ? `${ministryByCode(ministry)?.name_ja ?? ministry} ` : '';
  const top = sorted[0]?.severity ?? 'high';
  return {
    to,
    subject: `[Oversight] ${scope}インシデント ${sorted.length} 件（最高重要度 ${top}） / ${sorted.length} incident(s) opened`,
    text: [
      `${ministry ? `${ministryByCode(ministry)?.name_ja ?? ministry}で` : ''}重要度 high 以上のインシデントが ${sorted.length} 件発生しました。`,
      `${sorted.length} incident(s) of severity high or above were opened${ministry ? ` for ${ministry}` : ''}.`,
      '',
      `重要度 severity: ${counts(countBy(sorted, (s) => s.severity))}`,
      `分類 category: ${counts(countBy(sorted, (s) => s.category))}`,
      '',
      ...listed.map(line),
      ...(more > 0 ? [`…ほか ${more} 件 / and ${more} more`] : []),
      '',
      `対応キュー / triage queue: ${queueUrl(baseUrl, ministry)}`,
      '',
      '本メールには生成AIの入出力本文を含めていません。内容はリンク先（要ログイン、閲覧は監査ログに記録）で確認してください。',
      'This message carries no prompt or response text; open the link (sign-in required, access is audited).',
    ].join('\n'),
  };
}

export function digestText(d: DigestSummary, baseUrl: string): string {
  const scope = d.ministry ? `${ministryByCode(d.ministry)?.name_ja ?? d.ministry}（${d.ministry}）` : '全府省庁 / all ministries';
  return [
    `【Oversight 日次ダイジェスト / daily digest】${d.date} ${scope}`,
    `新規インシデント opened: ${d.opened}${d.opened > 0 ? `（${counts(d.by_severity)}）` : ''}`,
    ...(d.opened > 0 ? [`分類 category: ${counts(d.by_category)}`] : []),
    `未解決 open backlog: ${d.open_backlog}　確認済み confirmed: ${d.confirmed}　誤検知 false positive: ${d.false_positive}`,
    `キュー / queue: ${queueUrl(baseUrl, d.ministry ?? undefined)}`,
  ].join('\n');
}

export function digestWebhookPayload(all: DigestSummary, perMinistry: DigestSummary[], baseUrl: string): WebhookPayload {
  const active = perMinistry.filter((d) => d.opened > 0 || d.open_backlog > 0);
  const text = [
    digestText(all, baseUrl),
    ...active.map((d) => `• ${ministryByCode(d.ministry!)?.name_ja ?? d.ministry} (${d.ministry}): opened ${d.opened}, open ${d.open_backlog}`),
  ].join('\n');
  return {
    text,
    kind: 'daily_digest',
    count: all.opened,
    by_severity: all.by_severity,
    by_ministry: Object.fromEntries(active.map((d) => [d.ministry!, d.opened])),
    by_category: all.by_category,
    queue_url: queueUrl(baseUrl),
    digest: all,
  };
}
