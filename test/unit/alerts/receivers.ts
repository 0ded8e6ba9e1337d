// Local receivers for alert tests: an HTTP server that records webhook posts (what a chat tool's
// incoming webhook is: an HTTP endpoint), and a real SMTP server, Mailpit, with STARTTLS required and
// authentication on, whose HTTP API gives back what arrived (subjects and bodies decoded by Mailpit,
// not by this project).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMailpit } from '../../helpers/services.ts';
import { makeTestPki } from '../../helpers/tls.ts';
export interface WebhookReceiver {
  url: string;
  posts: Array<{ body: string; json: Record<string, unknown> }>;
  /** status codes to answer with, in order, before falling back to 200 */
  failNext: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const posts: WebhookReceiver['posts'] = [];
  const failNext: number[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = failNext.shift() ?? 200;
      if (status === 200) {
        const body = Buffer.concat(chunks).toString('utf8');
        posts.push({ body, json: JSON.parse(body) });
      }
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try again');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    failNext,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as it crossed the wire (headers encoded). */
  raw: string;
  subject: string;
  body: string;
}

export interface SmtpReceiver {
  /** smtp://user:pass@127.0.0.1:port: STARTTLS on the plain port, then AUTH. */
  url: string;
  /** The CA that signed the server's certificate (OVERSIGHT_SMTP_CA_FILE). */
  caFile: string;
  /** A CA that signed nothing here. */
  otherCaFile: string;
  /** Everything Mailpit received, oldest first. */
  received(): Promise<ReceivedMail[]>;
  clear(): Promise<void>;
  close(): Promise<void>;
}

export const SMTP_USER = 'oversight-alerts';
export const SMTP_PASSWORD = 'smtp-pass-for-tests';

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const pki = makeTestPki();
  const authFile = join(pki.dir, 'smtp-users');
  writeFileSync(authFile, `${SMTP_USER}:${SMTP_PASSWORD}\n`);
  const mailpit = await startMailpit({ tlsCert: pki.serverCert, tlsKey: pki.serverKey, requireStartTls: true, authFile });
  return {
    url: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${mailpit.smtpPort}`,
    caFile: pki.caCert,
    otherCaFile: pki.otherCaCert,
    async received() {
      const list = (await mailpit.messages()).reverse();
      return Promise.all(
        list.map(async (m) => {
          const full = await mailpit.message(m.ID);
          return { from: full.From.Address, to: full.To.map((t) => t.Address), raw: await mailpit.raw(m.ID), subject: full.Subject, body: full.Text };
        }),
      );
    },
    async clear() {
      const res = await fetch(`${mailpit.api}/api/v1/messages`, { method: 'DELETE' });
      if (!res.ok) throw new Error(`Mailpit delete: ${res.status}`);
    },
    close: () => mailpit.stop(),
  };
}
