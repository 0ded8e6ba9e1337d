import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/env.ts';
import { loadAlertConfig, type AlertConfig } from '../../../alerts/config.ts';
import { AlertDispatcher } from '../../../alerts/dispatcher.ts';
import { createTransports } from '../../../alerts/transports.ts';
import { closeAlerts, notifyIncidentsOpened } from '../../../alerts/notify.ts';
import type { AlertIncident } from '../../../alerts/message.ts';
import { startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './receivers.ts';

// Text that must never leave the system: incident titles could carry it if a writer misbehaved.
const RAW = ['RAWPROMPT', '090-1234-5678', '尖閣諸島は中国の領土', '【秘】交渉メモ', '123456789018'];

function incident(i: number, over: Partial<AlertIncident> = {}): AlertIncident {
  return {
    incident_id: `inc_${String(i).padStart(4, '0')}`,
    output_id: `out-${i}`,
    ministry: ['mof', 'mhlw', 'moj'][i % 3],
    app: 'chat',
    model: 'tsuzumi-2',
    category: ['leakage', 'off_policy', 'hallucinated_citation'][i % 3],
    severity: i % 7 === 0 ? 'critical' : 'high',
    rule_ids: ['my_number'],
    title: `${RAW.join(' ')} leakage: my_number`,
    status: 'new',
    assignee: '',
    verdict: '',
    output_at: '2026-11-20 01:02:03.000',
    opened_at: '2026-11-20 01:05:00.000',
    version: 1,
    ...over,
  };
}

function expectNoRawText(s: string): void {
  for (const r of RAW) expect(s).not.toContain(r);
  expect(s).not.toMatch(/"(title|prompt|response|evidence|explanation)"/);
}

let hook: WebhookReceiver;
let smtp: SmtpReceiver;
let config: AlertConfig;

beforeAll(async () => {
  hook = await startWebhookReceiver();
  smtp = await startSmtpReceiver();
}, 120_000); // a real mail server and a fresh certificate: seconds, more on a busy machine
afterAll(async () => {
  await hook?.close();
  await smtp?.close();
});
afterEach(async () => {
  hook.posts.length = 0;
  await smtp.clear();
  hook.failNext.length = 0;
});

function env(over: Record<string, string> = {}): Record<string, string> {
  return {
    OVERSIGHT_ALERT_WEBHOOK_URL: hook.url,
    OVERSIGHT_SMTP_URL: smtp.url,
    OVERSIGHT_SMTP_CA_FILE: smtp.caFile,
    OVERSIGHT_SMTP_REQUIRE_TLS: '1',
    OVERSIGHT_ALERT_FROM: 'oversight@digital.go.jp',
    OVERSIGHT_ALERT_TO_REVIEWERS: 'reviewer1@digital.go.jp, reviewer2@digital.go.jp',
    OVERSIGHT_CAIO_EMAILS: JSON.stringify({ mof: ['caio@mof.go.jp'], mhlw: ['caio@mhlw.go.jp', 'deputy@mhlw.go.jp'] }),
    OVERSIGHT_ALERT_WINDOW_SECONDS: '0.3',
    PUBLIC_BASE_URL: 'https://oversight.example.go.jp/',
    ...over,
  };
}

function dispatcher(cfg: AlertConfig, log: string[] = []) {
  return new AlertDispatcher(cfg, createTransports(cfg), (l) => log.push(l), { tries: 3, baseDelayMs: 20 });
}

describe('alert configuration', () => {
  it('is optional: nothing set means log only', () => {
    const c = loadAlertConfig({});
    expect(c.webhookUrl).toBeUndefined();
    expect(c.smtpUrl).toBeUndefined();
    expect(c.reviewers).toEqual([]);
    expect(c.windowMs).toBe(60_000);
  });

  it('names every bad variable', () => {
    try {
      loadAlertConfig({ OVERSIGHT_ALERT_WEBHOOK_URL: 'ftp://x', OVERSIGHT_SMTP_URL: 'mail.example', OVERSIGHT_ALERT_TO_REVIEWERS: 'not-an-address', OVERSIGHT_CAIO_EMAILS: '{"xyz":["a@b.jp"]}' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      for (const v of ['OVERSIGHT_ALERT_WEBHOOK_URL', 'OVERSIGHT_SMTP_URL', 'OVERSIGHT_ALERT_TO_REVIEWERS', 'unknown ministry codes: xyz']) expect(msg).toContain(v);
    }
    expect(() => loadAlertConfig({ OVERSIGHT_CAIO_EMAILS: '{bad' })).toThrow(/must be JSON/);
  });
});

describe('incident notifications', () => {
  beforeAll(() => {
    config = loadAlertConfig(env());
  });

  it('posts one chat-ready webhook with links and no raw text; medium incidents are not alerted', async () => {
    const d = dispatcher(config);
    d.enqueue([incident(1), incident(2), incident(3, { severity: 'medium' })]);
    await d.flush();
    expect(hook.posts).toHaveLength(1);
    const p = hook.posts[0].json as { text: string; count: number; incidents: Array<{ url: string; incident_id: string }> };
    expect(p.count).toBe(2);
    expect(typeof p.text).toBe('string');
    expect(p.text).toContain('https://oversight.example.go.jp/incidents/inc_0001');
    expect(p.incidents.map((i) => i.url).sort()).toEqual(['https://oversight.example.go.jp/incidents/inc_0001', 'https://oversight.example.go.jp/incidents/inc_0002']);
    expectNoRawText(hook.posts[0].body);
  });

  it('coalesces a burst of 500 incidents (500 calls) into one message per channel and audience', async () => {
    const d = dispatcher(config);
    for (let i = 0; i < 500; i++) d.enqueue([incident(i)]);
    expect(hook.posts).toHaveLength(0); // nothing before the window closes
    await new Promise((r) => setTimeout(r, 450));
    await d.flush(); // joins the delivery the window started
    expect(hook.posts).toHaveLength(1);
    const p = hook.posts[0].json as { count: number; incidents: unknown[]; more: number; by_ministry: Record<string, number> };
    expect(p.count).toBe(500);
    expect(p.incidents).toHaveLength(20);
    expect(p.more).toBe(480);
    expect(p.by_ministry).toEqual({ mof: 167, mhlw: 167, moj: 166 });
    expectNoRawText(hook.posts[0].body);
    // e-mail: one to the reviewers, one per ministry that has CAIOs configured (moj has none)
    const mails = await smtp.received();
    expect(mails).toHaveLength(3);
    const byTo = new Map(mails.map((m) => [m.to.join(','), m]));
    expect([...byTo.keys()].sort()).toEqual(['caio@mhlw.go.jp,deputy@mhlw.go.jp', 'caio@mof.go.jp', 'reviewer1@digital.go.jp,reviewer2@digital.go.jp']);
    const mof = byTo.get('caio@mof.go.jp')!;
    expect(mof.subject).toContain('167');
    // Japanese survives the trip: Mailpit decodes the subject and body the way a mail client would,
    // and on the wire the subject is a MIME encoded-word (7-bit header), not raw UTF-8 bytes.
    expect(mof.subject).toMatch(/^\[Oversight\] .*インシデント 167 件（最高重要度 /);
    expect(mof.raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im);
    expect(mof.body).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(mof.body).toContain('https://oversight.example.go.jp/incidents/inc_0000');
    expect(mof.body).not.toContain('/incidents/inc_0001'); // mhlw's incident is not sent to mof
    expect(mof.body).toContain('https://oversight.example.go.jp/incidents?status=open&ministry=mof');
    for (const m of mails) {
      expect(m.from).toBe('oversight@digital.go.jp');
      expectNoRawText(m.raw);
      expectNoRawText(m.body);
    }
    // a second burst after the window is a second message (rate limit, not a mute)
    d.enqueue([incident(900)]);
    await d.flush();
    expect(hook.posts).toHaveLength(2);
  });

  it('never echoes malformed identifiers and does not alert the same incident twice', async () => {
    const d = dispatcher(config);
    d.enqueue([incident(5, { incident_id: 'inc 5 RAWPROMPT text', rule_ids: ['my_number', 'RAWPROMPT 090-1234-5678'], model: '<b>RAWPROMPT</b>' })]);
    d.enqueue([incident(6)]);
    await d.flush();
    d.enqueue([incident(6)]);
    await d.flush();
    expect(hook.posts).toHaveLength(1);
    expectNoRawText(hook.posts[0].body);
    const p = hook.posts[0].json as { incidents: Array<{ incident_id: string; rule_ids: string[]; model: string }> };
    const bad = p.incidents.find((i) => i.incident_id === 'unknown')!;
    expect(bad.rule_ids).toEqual(['my_number', 'rule']);
    expect(bad.model).toBe('unknown');
  });

  it('retries a failing webhook and logs (not throws) when it keeps failing', async () => {
    const log: string[] = [];
    const d = dispatcher(config, log);
    hook.failNext.push(500);
    d.enqueue([incident(7)]);
    await d.flush();
    expect(hook.posts).toHaveLength(1);
    hook.failNext.push(503, 503, 503);
    d.enqueue([incident(8)]);
    await d.flush();
    expect(hook.posts).toHaveLength(1);
    expect(d.totals.failures).toBe(1);
    expect(log.join('\n')).toMatch(/webhook failed after 3 attempts: webhook answered 503.*remain in the triage queue/);
  });

  it('logs only when no channel is configured', async () => {
    const log: string[] = [];
    const d = dispatcher(loadAlertConfig({ PUBLIC_BASE_URL: 'http://localhost:3000' }), log);
    d.enqueue([incident(1), incident(2)]);
    await d.flush();
    expect(hook.posts).toHaveLength(0);
    expect(await smtp.received()).toHaveLength(0);
    expect(log.join('\n')).toMatch(/2 incident\(s\) opened .*logged only: http:\/\/localhost:3000\/incidents\/inc_0001/);
    expectNoRawText(log.join('\n'));
  });

  it('notifyIncidentsOpened (the runner hook) reads the environment and delivers after the window', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env({ OVERSIGHT_ALERT_WINDOW_SECONDS: '0.2' }));
    try {
      await notifyIncidentsOpened(Array.from({ length: 50 }, (_, i) => incident(i)));
      await notifyIncidentsOpened([incident(60)]);
      expect(hook.posts).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 350));
      const totals = await closeAlerts();
      expect(hook.posts).toHaveLength(1);
      expect((hook.posts[0].json as { count: number }).count).toBe(51);
      expect(totals).toMatchObject({ incidents: 51, webhooks: 1, mails: 3, failures: 0 });
    } finally {
      process.env = saved;
    }
  });
});
