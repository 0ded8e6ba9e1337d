// Alert configuration from the environment. Every channel is optional: with none set, alerts are
// only logged, so the embedded demo works without a mail server or a chat tool.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, loadEnv } from '../config/env.ts';
import { isMinistryCode } from '../contracts/ministries.ts';

export interface AlertConfig {
  webhookUrl?: string;
  smtpUrl?: string;
  /** TLS for SMTP: extra trusted CA certificates (PEM) and whether STARTTLS is mandatory. */
  smtpTls: { ca?: string; requireTls: boolean };
  from: string;
  reviewers: string[];
  /** CAIO e-mail addresses per ministry code */
  caioEmails: Record<string, string[]>;
  publicBaseUrl: string;
  /** incidents opened within this window go out as one message per channel */
  windowMs: number;
  /** JST hour at which the daily digest covering the previous day is sent */
  digestHourJst: number;
}

const email = z.email({ error: (i) => `${JSON.stringify(i.input)} is not an e-mail address` });
const emailList = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))
  .pipe(z.array(email));

const AlertEnv = z.object({
  OVERSIGHT_ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'OVERSIGHT_ALERT_WEBHOOK_URL must be an http(s) URL' }).optional(),
  OVERSIGHT_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'OVERSIGHT_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465')
    .optional(),
  OVERSIGHT_SMTP_CA_FILE: z.string().optional(),
  OVERSIGHT_SMTP_REQUIRE_TLS: z.enum(['0', '1'], { error: 'OVERSIGHT_SMTP_REQUIRE_TLS must be 0 or 1' }).default('0'),
  OVERSIGHT_ALERT_FROM: z.string().min(3).default('Oversight <oversight@localhost>'),
  OVERSIGHT_ALERT_TO_REVIEWERS: emailList,
  OVERSIGHT_CAIO_EMAILS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return {};
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'OVERSIGHT_CAIO_EMAILS must be JSON like {"mof":["caio@mof.go.jp"]}' });
        return z.NEVER;
      }
      const shape = z.record(z.string(), z.array(email)).safeParse(parsed);
      if (!shape.success) {
        ctx.addIssue({ code: 'custom', message: `OVERSIGHT_CAIO_EMAILS: ${shape.error.issues.map((i) => i.message).join('; ')}` });
        return z.NEVER;
      }
      const unknown = Object.keys(shape.data).filter((code) => !isMinistryCode(code));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `OVERSIGHT_CAIO_EMAILS names unknown ministry codes: ${unknown.join(', ')}` });
        return z.NEVER;
      }
      return shape.data;
    }),
  OVERSIGHT_ALERT_WINDOW_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  OVERSIGHT_DIGEST_HOUR_JST: z.coerce.number().int().min(0).max(23).default(8),
});

export function loadAlertConfig(source: Record<string, string | undefined> = process.env): AlertConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = AlertEnv.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid alert configuration:\n${lines.join('\n')}`);
  }
  const a = parsed.data;
  return {
    webhookUrl: a.OVERSIGHT_ALERT_WEBHOOK_URL,
    smtpUrl: a.OVERSIGHT_SMTP_URL,
    smtpTls: { ca: a.OVERSIGHT_SMTP_CA_FILE ? readCaFile(a.OVERSIGHT_SMTP_CA_FILE) : undefined, requireTls: a.OVERSIGHT_SMTP_REQUIRE_TLS === '1' },
    from: a.OVERSIGHT_ALERT_FROM,
    reviewers: a.OVERSIGHT_ALERT_TO_REVIEWERS,
    caioEmails: a.OVERSIGHT_CAIO_EMAILS,
    publicBaseUrl: loadEnv(source).PUBLIC_BASE_URL.replace(/\/+$/, ''),
    windowMs: Math.round(a.OVERSIGHT_ALERT_WINDOW_SECONDS * 1000),
    digestHourJst: a.OVERSIGHT_DIGEST_HOUR_JST,
  };
}

/** The CA bundle a ministry's mail relay is signed with (an internal CA is common), checked at start. */
function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid alert configuration:\n  OVERSIGHT_SMTP_CA_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError(`invalid alert configuration:\n  OVERSIGHT_SMTP_CA_FILE: ${path} holds no PEM certificate`);
  }
  return pem;
}

/** True when at least one channel would deliver (otherwise alerts are logged only). */
export function hasChannels(config: AlertConfig): boolean {
  return Boolean(config.webhookUrl) || Boolean(config.smtpUrl && (config.reviewers.length > 0 || Object.keys(config.caioEmails).length > 0));
}
