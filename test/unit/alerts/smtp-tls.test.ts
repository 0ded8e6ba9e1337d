// Alert mail against a real SMTP server (Mailpit) that requires STARTTLS and authentication: the
// relay's CA from OVERSIGHT_SMTP_CA_FILE is trusted, anything else is refused with the reason, and
// OVERSIGHT_SMTP_REQUIRE_TLS=1 never sends in clear text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../config/env.ts';
import { loadAlertConfig } from '../../../alerts/config.ts';
import { createTransports } from '../../../alerts/transports.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtpReceiver, type SmtpReceiver } from './receivers.ts';
import { startMailpit, type Mailpit } from '../../helpers/services.ts';

let secured: SmtpReceiver;
let plain: Mailpit;

beforeAll(async () => {
  secured = await startSmtpReceiver();
  plain = await startMailpit(); // no TLS, no authentication
}, 120_000);
afterAll(async () => {
  await secured?.close();
  await plain?.stop();
});

const message = { to: ['caio@mof.go.jp'], subject: '[Oversight] 試験', text: '本文' };
const send = (env: Record<string, string>) => {
  const t = createTransports(loadAlertConfig({ PUBLIC_BASE_URL: 'https://oversight.example.go.jp', OVERSIGHT_ALERT_TO_REVIEWERS: 'r@digital.go.jp', ...env }));
  return t.mail!(message).finally(() => t.close());
};

describe('SMTP with STARTTLS and authentication (Mailpit)', () => {
  it('delivers over STARTTLS with the relay CA trusted and the right credentials', async () => {
    await secured.clear();
    await send({ OVERSIGHT_SMTP_URL: secured.url, OVERSIGHT_SMTP_CA_FILE: secured.caFile, OVERSIGHT_SMTP_REQUIRE_TLS: '1' });
    const [m] = await secured.received();
    expect(m).toMatchObject({ to: ['caio@mof.go.jp'], subject: '[Oversight] 試験', body: '本文' });
    // This Mailpit refuses MAIL before STARTTLS (--smtp-require-starttls), so delivery proves TLS was used.
  });

  it('refuses a relay whose certificate is signed by a CA it does not trust', async () => {
    await secured.clear();
    await expect(send({ OVERSIGHT_SMTP_URL: secured.url, OVERSIGHT_SMTP_CA_FILE: secured.otherCaFile })).rejects.toThrow(/certificate/i);
    await expect(send({ OVERSIGHT_SMTP_URL: secured.url })).rejects.toThrow(/certificate/i); // system CAs only
    expect(await secured.received()).toHaveLength(0);
  });

  it('refuses wrong credentials with the server\'s answer', async () => {
    const wrong = secured.url.replace(`${SMTP_USER}:${SMTP_PASSWORD}`, `${SMTP_USER}:not-the-password`);
    await expect(send({ OVERSIGHT_SMTP_URL: wrong, OVERSIGHT_SMTP_CA_FILE: secured.caFile })).rejects.toThrow(/auth|535|credentials/i);
    expect(await secured.received()).toHaveLength(0);
  });

  it('with OVERSIGHT_SMTP_REQUIRE_TLS=1 does not send to a server without STARTTLS', async () => {
    const url = `smtp://127.0.0.1:${plain.smtpPort}`;
    await expect(send({ OVERSIGHT_SMTP_URL: url, OVERSIGHT_SMTP_REQUIRE_TLS: '1' })).rejects.toThrow(/STARTTLS/i);
    expect(await plain.messages()).toHaveLength(0);
    // Without the requirement the same relay is used in clear text (a loopback relay, for instance).
    await send({ OVERSIGHT_SMTP_URL: url });
    expect(await plain.messages()).toHaveLength(1);
  });

  it('names an unreadable or non-PEM CA file at start', () => {
    expect(() => loadAlertConfig({ OVERSIGHT_SMTP_CA_FILE: '/nonexistent/ca.pem' })).toThrow(ConfigError);
    expect(() => loadAlertConfig({ OVERSIGHT_SMTP_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/OVERSIGHT_SMTP_CA_FILE: cannot read \/nonexistent\/ca.pem \(ENOENT\)/);
    const notPem = join(secured.caFile, '..', 'not-a-cert.txt');
    writeFileSync(notPem, 'hello');
    expect(() => loadAlertConfig({ OVERSIGHT_SMTP_CA_FILE: notPem })).toThrow(/holds no PEM certificate/);
    expect(() => loadAlertConfig({ OVERSIGHT_SMTP_REQUIRE_TLS: 'yes' })).toThrow(/OVERSIGHT_SMTP_REQUIRE_TLS must be 0 or 1/);
  });
});
