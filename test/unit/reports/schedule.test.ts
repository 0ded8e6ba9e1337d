// Report arithmetic (periods, the target curve, projections, working days, masking) and the monthly
// schedule end to end: reports generated in a real embedded ClickHouse, links delivered to a real
// local webhook receiver and SMTP server, each CAIO getting their own ministry's link only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, countOf, type TestDb } from '../../helpers/chdb.ts';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from '../alerts/receivers.ts';
import { loadAlertConfig } from '../../../alerts/config.ts';
import { parsePeriod, previousPeriod, PeriodError, lastCompleteMonth, lastCompleteQuarter } from '../../../src/lib/server/reports/period.ts';
import { targetOn, slopePerDay, projectDate } from '../../../src/lib/server/reports/rollout.ts';
import { DEFAULT_TARGETS, loadReportConfig } from '../../../src/lib/server/reports/config.ts';
import { firstWorkingDay, isGovernmentWorkingDay } from '../../../src/lib/server/reports/working-day.ts';
import { maskedExcerpt, maskSecrets } from '../../../src/lib/server/reports/excerpt.ts';
import { wilson } from '../../../src/lib/server/reports/stats.ts';
import { nextMonthlyRun, runMonthlyReports } from '../../../src/lib/server/reports/schedule.ts';
import { getReport } from '../../../src/lib/server/reports/store.ts';
import { MINISTRIES } from '../../../contracts/ministries.ts';

describe('periods', () => {
  it('turns months, quarters and custom ranges into UTC days and finds the period before', () => {
    expect(parsePeriod('month', '2026-02')).toMatchObject({ from: '2026-02-01', to: '2026-02-28' });
    expect(parsePeriod('month', '2028-02')).toMatchObject({ to: '2028-02-29' });
    expect(parsePeriod('quarter', '2026-q4')).toMatchObject({ label: '2026-Q4', from: '2026-10-01', to: '2026-12-31' });
    expect(previousPeriod(parsePeriod('month', '2026-01'))).toMatchObject({ from: '2025-12-01', to: '2025-12-31' });
    expect(previousPeriod(parsePeriod('quarter', '2026-Q1'))).toMatchObject({ from: '2025-10-01', to: '2025-12-31' });
    expect(previousPeriod(parsePeriod('custom', '2026-03-10..2026-03-19'))).toMatchObject({ from: '2026-02-28', to: '2026-03-09' });
    for (const [k, v] of [['month', '2026-13'], ['month', '26-01'], ['quarter', '2026-Q5'], ['custom', '2026-02-30..2026-03-01'], ['custom', '2026-03-02..2026-03-01'], ['custom', '2020-01-01..2026-01-01'], ['month', '2106-01']] as const) {
      expect(() => parsePeriod(k, v), `${k} ${v}`).toThrow(PeriodError);
    }
    expect(lastCompleteMonth('2026-01-15')).toBe('2025-12');
    expect(lastCompleteQuarter('2026-02-01')).toBe('2025-Q4');
    expect(lastCompleteQuarter('2026-12-04')).toBe('2026-Q3');
  });
});

describe('rollout arithmetic', () => {
  it('interpolates the target curve and holds its last value', () => {
    expect(targetOn(DEFAULT_TARGETS, '2026-04-30')).toBeNull();
    expect(targetOn(DEFAULT_TARGETS, '2026-05-01')).toBe(100_000);
    expect(targetOn(DEFAULT_TARGETS, '2027-03-31')).toBe(180_000);
    expect(targetOn(DEFAULT_TARGETS, '2028-01-01')).toBe(180_000);
    const mid = targetOn(DEFAULT_TARGETS, '2026-11-15')!;
    expect(mid).toBeGreaterThan(100_000);
    expect(mid).toBeLessThan(180_000);
    expect(loadReportConfig({ OVERSIGHT_ROLLOUT_TARGETS: '{"2027-01-01":5,"2026-01-01":1}' }).targets).toEqual([{ day: '2026-01-01', users: 1 }, { day: '2027-01-01', users: 5 }]);
    expect(() => loadReportConfig({ OVERSIGHT_ROLLOUT_TARGETS: '{"2026-02-30":1}' })).toThrow(/days/);
    expect(() => loadReportConfig({ OVERSIGHT_ROLLOUT_TARGETS: 'x' })).toThrow(/JSON/);
  });
  it('projects the day a plan is reached from a least-squares trend', () => {
    const samples = [0, 30, 60, 90].map((d, i) => ({ day: new Date(Date.UTC(2026, 6, 1) + d * 86_400_000).toISOString().slice(0, 10), value: 100 + 300 * i }));
    expect(slopePerDay(samples)).toBeCloseTo(10, 9);
    expect(projectDate(1000, 2000, 10, '2026-09-29')).toEqual({ status: 'projected', day: '2027-01-07' }) // 1,000 users at 10 a day: 100 days;
    expect(projectDate(2000, 2000, 10, '2026-09-29').status).toBe('reached');
    expect(projectDate(100, 2000, -1, '2026-09-29').status).toBe('not_on_trend');
    expect(projectDate(100, 2000, null, '2026-09-29').status).toBe('not_on_trend');
    expect(projectDate(100, 10_000_000, 1, '2026-09-29').status).toBe('not_on_trend');
  });
  it('gives a Wilson interval that contains the estimate and stays in 0..1', () => {
    const w = wilson(9, 10);
    expect(w.low).toBeGreaterThan(0.55);
    expect(w.low).toBeLessThan(0.9);
    expect(w.high).toBeLessThan(1);
    expect(wilson(10, 10).high).toBeCloseTo(1, 12);
    expect(wilson(0, 10).low).toBeCloseTo(0, 12);
  });
});

describe('working days', () => {
  it('skips weekends, national holidays (with substitutes) and the year-end closure', () => {
    expect(firstWorkingDay('2026-11')).toBe('2026-11-02'); // 1st is a Sunday
    expect(firstWorkingDay('2025-11')).toBe('2025-11-04'); // Sat, Sun, then 文化の日 on Monday
    expect(firstWorkingDay('2027-05')).toBe('2027-05-06'); // Sat, Sun, then Golden Week Mon–Wed
    expect(firstWorkingDay('2027-01')).toBe('2027-01-04'); // 1/1–1/3 closed
    expect(firstWorkingDay('2026-05')).toBe('2026-05-01'); // a Friday
    expect(isGovernmentWorkingDay('2026-12-29')).toBe(false);
    expect(isGovernmentWorkingDay('2026-12-28')).toBe(true);
  });
  it('runs at the hour (JST) of the next first working day', () => {
    // 2026-11-02 09:00 JST = 2026-11-02T00:00Z; just before it, that is next; just after, December's.
    expect(new Date(nextMonthlyRun(Date.parse('2026-11-01T12:00:00Z'), 9)).toISOString()).toBe('2026-11-02T00:00:00.000Z');
    expect(new Date(nextMonthlyRun(Date.parse('2026-11-02T00:00:01Z'), 9)).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // 2026-12-31 20:00 UTC is already 2027-01-01 in Japan: January's run (Jan 4) is next.
    expect(new Date(nextMonthlyRun(Date.parse('2026-12-31T20:00:00Z'), 9)).toISOString()).toBe('2027-01-04T00:00:00.000Z');
  });
});

describe('masked excerpts', () => {
  it('never shows a long number, key or address in clear, but keeps ordinary text', () => {
    expect(maskSecrets('連絡先 090-1234-5678、mail taro@example.com、鍵 AKIAIOSFODNN7EXAMPLE')).toBe('連絡先 ****5678、mail ****.com、鍵 ****MPLE');
    expect(maskSecrets('令和7年法律第53号 第709条')).toBe('令和7年法律第53号 第709条');
    const text = 'x'.repeat(100) + '民法（明治29年法律第90号）第709条' + 'y'.repeat(100);
    const start = text.indexOf('明治29年法律第90号');
    const e = maskedExcerpt({ text, start, end: start + 11, secret: false });
    expect(e).toMatch(/^…x+民法（【明治29年法律第90号】）第709条y+…$/);
    expect(e.length).toBeLessThan(100);
    // A number cut by the window edge is still masked.
    const t2 = `カード 4111 1111 1111 1111 ${'あ'.repeat(34)}秘密`;
    const s2 = t2.indexOf('秘密');
    expect(maskedExcerpt({ text: t2, start: s2, end: s2 + 2, secret: true })).not.toMatch(/1111 1111/);
  });
});

describe('monthly schedule', () => {
  let db: TestDb;
  let hook: WebhookReceiver;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    db = await freshDb('oversight-reports-');
    hook = await startWebhookReceiver();
    smtp = await startSmtpReceiver();
    await db.client.insert({
      table: 'usage_events',
      format: 'JSONEachRow',
      values: ['mof', 'mhlw'].flatMap((m) =>
        Array.from({ length: 5 }, (_, i) => ({ event_id: `${m}-${i}`, occurred_at: `2026-10-${10 + i}T01:00:00.000Z`, ministry: m, user_id: `${m}-u${i}`, session_id: 's', request_id: `${m}-${i}`, app: 'chat', model: 'm', input_tokens: 1, output_tokens: 1, latency_ms: 1, status: 'ok' })),
      ),
    });
  }, 120_000);
  afterAll(async () => {
    await hook?.close();
    await smtp?.close();
    await db?.close();
  });

  it("generates every ministry's report once and sends each CAIO their own link", async () => {
    const alerts = loadAlertConfig({
      OVERSIGHT_ALERT_WEBHOOK_URL: hook.url,
      OVERSIGHT_SMTP_URL: smtp.url,
      OVERSIGHT_SMTP_CA_FILE: smtp.caFile,
      OVERSIGHT_SMTP_REQUIRE_TLS: '1',
      OVERSIGHT_ALERT_TO_REVIEWERS: 'rev@digital.go.jp',
      OVERSIGHT_CAIO_EMAILS: '{"mof":["caio@mof.go.jp"],"mhlw":["caio@mhlw.go.jp"]}',
      PUBLIC_BASE_URL: 'https://oversight.example.go.jp',
    });
    const first = await runMonthlyReports(db.client, { month: '2026-10', alerts, log: () => {} });
    expect(first.failures).toBe(0);
    expect(first.reports).toHaveLength(MINISTRIES.length);
    expect(first.reports.every((r) => r.created)).toBe(true);
    expect(await countOf(db.client, "SELECT count() AS n FROM reports WHERE origin = 'schedule'")).toBe(MINISTRIES.length);
    const mof = first.reports.find((r) => r.ministry === 'mof')!;
    const stored = (await getReport(db.client, mof.report_id))!;
    expect(stored.figures.current.active.mau).toBe(5);
    expect(stored.author).toBe('oversight-schedule');

    expect(hook.posts).toHaveLength(1);
    expect(hook.posts[0].json).toMatchObject({ kind: 'monthly_reports', count: MINISTRIES.length });
    const mails = await smtp.received();
    const toMof = mails.filter((m) => m.to.includes('caio@mof.go.jp'));
    expect(toMof).toHaveLength(1);
    expect(toMof[0].body).toContain(`https://oversight.example.go.jp/reports/${mof.report_id}`);
    const mhlw = first.reports.find((r) => r.ministry === 'mhlw')!;
    expect(toMof[0].body).not.toContain(mhlw.report_id);
    expect(mails.find((m) => m.to.includes('rev@digital.go.jp'))!.body).toContain(mhlw.report_id);

    // A second run for the same month (a restart, another process) reuses the reports.
    const again = await runMonthlyReports(db.client, { month: '2026-10', alerts, dryRun: true });
    expect(again.reports.every((r) => !r.created)).toBe(true);
    expect(again.reports.map((r) => r.report_id).sort()).toEqual(first.reports.map((r) => r.report_id).sort());
    expect(await countOf(db.client, "SELECT count() AS n FROM reports WHERE origin = 'schedule'")).toBe(MINISTRIES.length);
  }, 180_000); // one report per ministry: several seconds each when the machine is busy
});
