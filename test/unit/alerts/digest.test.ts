import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { loadAlertConfig } from '../../../alerts/config.ts';
import { computeDigest, msUntilJstHour, previousJstDay, sendDailyDigest } from '../../../alerts/digest.ts';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './receivers.ts';

let db: TestDb;
let hook: WebhookReceiver;
let smtp: SmtpReceiver;

function row(id: string, ministry: string, severity: string, openedAt: string, over: Record<string, unknown> = {}) {
  return {
    incident_id: id, output_id: `out-${id}`, ministry, app: 'chat', model: 'cotomi-v3', category: 'leakage', severity,
    rule_ids: ['my_number'], title: 'RAWPROMPT 090-1234-5678', status: 'new', assignee: '', verdict: '',
    output_at: openedAt, opened_at: openedAt, updated_at: openedAt, version: 1, ...over,
  };
}

beforeAll(async () => {
  db = await freshDb('alerts-digest-');
  hook = await startWebhookReceiver();
  smtp = await startSmtpReceiver();
  await db.client.insert({
    table: 'incidents',
    format: 'JSONEachRow',
    values: [
      // 2026-11-20 in JST is 2026-11-19T15:00Z .. 2026-11-20T15:00Z
      row('a1', 'mof', 'high', '2026-11-19T15:30:00.000Z'), // 00:30 JST on the 20th: counts
      row('a2', 'mof', 'critical', '2026-11-20T14:59:00.000Z'), // 23:59 JST: counts
      row('a3', 'mhlw', 'high', '2026-11-20T03:00:00.000Z', { category: 'off_policy' }),
      row('b1', 'mof', 'high', '2026-11-19T14:59:00.000Z'), // 23:59 JST on the 19th: backlog only
      row('b2', 'mof', 'high', '2026-11-18T01:00:00.000Z', { status: 'resolved', verdict: 'confirmed', updated_at: '2026-11-20T02:00:00.000Z', version: 2 }),
      row('c1', 'moj', 'high', '2026-11-21T01:00:00.000Z'), // the next day: not in this digest
    ],
  });
}, 120_000); // a real mail server and a fresh certificate: seconds, more on a busy machine
afterAll(async () => {
  await hook?.close();
  await smtp?.close();
  await db?.close();
});

describe('daily digest', () => {
  it('counts a JST day per ministry: opened, open backlog, verdicts', async () => {
    const d = await computeDigest(db.client, '2026-11-20');
    expect(d.all).toMatchObject({ opened: 3, by_severity: { high: 2, critical: 1 }, by_category: { leakage: 2, off_policy: 1 }, open_backlog: 4, confirmed: 1 });
    const mof = d.perMinistry.find((m) => m.ministry === 'mof')!;
    expect(mof).toMatchObject({ opened: 2, open_backlog: 3, confirmed: 1, false_positive: 0 });
    expect(d.perMinistry.find((m) => m.ministry === 'moj')!).toMatchObject({ opened: 0, open_backlog: 0 });
    expect(d.perMinistry).toHaveLength(22);
  });

  it('sends one webhook, the all-ministry mail to reviewers and each active ministry\'s mail to its CAIOs', async () => {
    const config = loadAlertConfig({
      OVERSIGHT_ALERT_WEBHOOK_URL: hook.url,
      OVERSIGHT_SMTP_URL: smtp.url,
      OVERSIGHT_SMTP_CA_FILE: smtp.caFile,
      OVERSIGHT_SMTP_REQUIRE_TLS: '1',
      OVERSIGHT_ALERT_TO_REVIEWERS: 'reviewer@digital.go.jp',
      OVERSIGHT_CAIO_EMAILS: JSON.stringify({ mof: ['caio@mof.go.jp'], moj: ['caio@moj.go.jp'] }),
      PUBLIC_BASE_URL: 'https://oversight.example.go.jp',
    });
    const { failures } = await sendDailyDigest(db.client, { date: '2026-11-20', config, log: () => {} });
    expect(failures).toBe(0);
    expect(hook.posts).toHaveLength(1);
    const p = hook.posts[0].json as { kind: string; text: string; count: number; by_ministry: Record<string, number> };
    expect(p.kind).toBe('daily_digest');
    expect(p.count).toBe(3);
    expect(p.by_ministry).toEqual({ mof: 2, mhlw: 1 });
    expect(p.text).toContain('2026-11-20');
    // moj has nothing to report that day: its CAIO gets no mail
    const mails = await smtp.received();
    expect(mails.map((m) => m.to.join(',')).sort()).toEqual(['caio@mof.go.jp', 'reviewer@digital.go.jp']);
    const mof = mails.find((m) => m.to[0] === 'caio@mof.go.jp')!;
    expect(mof.body).toContain('新規インシデント opened: 2');
    expect(mof.body).toContain('https://oversight.example.go.jp/incidents?status=open&ministry=mof');
    for (const text of [hook.posts[0].body, ...mails.map((m) => m.raw + m.body)]) {
      expect(text).not.toContain('RAWPROMPT');
      expect(text).not.toContain('090-1234-5678');
    }
  });

  it('picks yesterday in JST and the next digest hour', () => {
    expect(previousJstDay(Date.parse('2026-11-23T16:00:00Z'))).toBe('2026-11-23'); // 01:00 JST on the 24th
    expect(previousJstDay(Date.parse('2026-11-23T14:00:00Z'))).toBe('2026-11-22');
    expect(msUntilJstHour(Date.parse('2026-11-23T22:00:00Z'), 8)).toBe(60 * 60_000); // 07:00 JST → 08:00
    expect(msUntilJstHour(Date.parse('2026-11-23T23:00:00Z'), 8)).toBe(24 * 3_600_000); // exactly 08:00 → tomorrow
  });
});
