// Delivery: an HTTP webhook (JSON) and SMTP e-mail through nodemailer, each retried a few times with
// backoff, because a chat tool or relay that hiccups once should not cost a high-severity alert.
import { rootCertificates } from 'node:tls';
import nodemailer from 'nodemailer';
import type { AlertConfig } from './config.ts';
import type { MailMessage, WebhookPayload } from './message.ts';

export interface Transports {
  webhook?: (payload: WebhookPayload) => Promise<void>;
  mail?: (message: MailMessage) => Promise<void>;
  close(): void;
}

const TIMEOUT_MS = 10_000;

export async function withRetries<T>(what: string, attempt: () => Promise<T>, tries = 3, baseDelayMs = 500): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      if (i < tries - 1) await new Promise((r) => setTimeout(r, baseDelayMs * 2 ** i));
    }
  }
  throw new Error(`${what} failed after ${tries} attempts: ${(lastError as Error)?.message ?? lastError}`);
}

export function postWebhook(url: string): (payload: WebhookPayload) => Promise<void> {
  return async (payload) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // Drain the body so the connection is released.
    const body = await res.text();
    if (!res.ok) throw new Error(`webhook answered ${res.status}: ${body.slice(0, 200)}`);
  };
}

/**
 * nodemailer options from OVERSIGHT_SMTP_URL plus the timeouts and TLS settings. The URL is taken apart
 * here because nodemailer ignores every other option given beside a URL (createTransport(url, x) takes
 * x as message defaults, and { url, ...x } drops x), which silently lost the timeouts before.
 */
export function smtpOptions(config: AlertConfig & { smtpUrl: string }) {
  const u = new URL(config.smtpUrl);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    // Certificates are always verified; OVERSIGHT_SMTP_CA_FILE adds the relay's CA to the system ones.
    requireTLS: config.smtpTls.requireTls,
    tls: config.smtpTls.ca ? { ca: [...rootCertificates, config.smtpTls.ca] } : undefined,
  };
}

export function createTransports(config: AlertConfig): Transports {
  const smtp = config.smtpUrl ? nodemailer.createTransport(smtpOptions({ ...config, smtpUrl: config.smtpUrl })) : null;
  return {
    webhook: config.webhookUrl ? postWebhook(config.webhookUrl) : undefined,
    mail: smtp
      ? async (m) => {
          await smtp.sendMail({ from: config.from, to: m.to, subject: m.subject, text: m.text });
        }
      : undefined,
    close() {
      smtp?.close();
    },
  };
}
