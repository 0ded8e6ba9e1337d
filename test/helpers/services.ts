// Real counterparts started by the tests (Keycloak, Mailpit), each on free loopback ports with its own
// state, stopped by the test that started it. The binaries come from scripts/tools.mjs (cached in .cache/).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: plain ESM script without types
import { toolPath } from '../../scripts/tools.mjs';
import { freePort } from './ports.ts';

export { freePort };


export interface Started {
  child: ChildProcess;
  /** The last lines the process printed, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a process, keeps its output, and waits until `ready()` resolves true (or the process dies). */
export async function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; ready: () => Promise<boolean>; timeoutMs: number },
): Promise<Started> {
  let out = '';
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready:\n${out.slice(-3000)}`);
    if (await opts.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within ${opts.timeoutMs / 1000} s:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { child, output: () => out, stop };
}

const httpOk = (url: string) => async () => (await fetch(url)).ok;

// ---------------------------------------------------------------------------------------------------
// Keycloak (start-dev: H2 in its own temporary directory, HTTP on loopback)

export interface Keycloak {
  url: string;
  /** Calls the admin REST API (`/admin/realms/...`) with a fresh admin token. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startKeycloak(): Promise<Keycloak> {
  const home = toolPath('keycloak') as string;
  const port = await freePort();
  const mgmtPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const adminPassword = `kc-admin-${Math.random().toString(36).slice(2)}`;
  const proc = await startProcess(
    'Keycloak',
    join(home, 'bin/kc.sh'),
    ['start-dev', '--http-port', String(port), '--http-host', '127.0.0.1', '--http-management-port', String(mgmtPort), '--db', 'dev-mem'],
    {
      env: {
        KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
        KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
        JAVA_OPTS_KC_HEAP: '-Xms64m -Xmx512m',
      },
      ready: httpOk(`${url}/realms/master/.well-known/openid-configuration`),
      timeoutMs: 600_000, // ~15 s on a quiet machine; minutes when the cores are busy
    },
  );
  const token = async (): Promise<string> => {
    const res = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: 'admin', password: adminPassword }),
    });
    if (!res.ok) throw new Error(`Keycloak admin token: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  return {
    url,
    async admin<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${await token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`Keycloak ${method} ${path}: ${res.status} ${await res.text()}`);
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    stop: () => proc.stop(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Mailpit (SMTP with optional STARTTLS and authentication, HTTP API for reading what arrived)

export interface Mailpit {
  smtpPort: number;
  api: string;
  /** Messages as Mailpit lists them (newest first). */
  messages(): Promise<MailpitSummary[]>;
  /** One message in full: headers decoded, text body, recipients. */
  message(id: string): Promise<MailpitMessage>;
  /** The message exactly as it was received on the wire (for checking the encoding). */
  raw(id: string): Promise<string>;
  stop(): Promise<void>;
}
export interface MailpitAddress {
  Name: string;
  Address: string;
}
export interface MailpitSummary {
  ID: string;
  Subject: string;
  To: MailpitAddress[];
  From: MailpitAddress;
}
export interface MailpitMessage extends MailpitSummary {
  Text: string;
  HTML: string;
}

export async function startMailpit(opts: { tlsCert?: string; tlsKey?: string; requireStartTls?: boolean; authFile?: string } = {}): Promise<Mailpit> {
  const bin = toolPath('mailpit') as string;
  const smtpPort = await freePort();
  const httpPort = await freePort();
  const api = `http://127.0.0.1:${httpPort}`;
  const dbDir = mkdtempSync(join(tmpdir(), 'oversight-mailpit-'));
  const args = ['--smtp', `127.0.0.1:${smtpPort}`, '--listen', `127.0.0.1:${httpPort}`, '--database', join(dbDir, 'mail.db'), '--disable-version-check'];
  if (opts.tlsCert && opts.tlsKey) args.push('--smtp-tls-cert', opts.tlsCert, '--smtp-tls-key', opts.tlsKey);
  if (opts.requireStartTls) args.push('--smtp-require-starttls');
  if (opts.authFile) args.push('--smtp-auth-file', opts.authFile);
  const proc = await startProcess('Mailpit', bin, args, { ready: httpOk(`${api}/api/v1/info`), timeoutMs: 30_000 });
  const get = async <T>(path: string, as: 'json' | 'text' = 'json'): Promise<T> => {
    const res = await fetch(`${api}${path}`);
    if (!res.ok) throw new Error(`Mailpit ${path}: ${res.status}`);
    return (as === 'json' ? await res.json() : await res.text()) as T;
  };
  return {
    smtpPort,
    api,
    messages: async () => (await get<{ messages: MailpitSummary[] }>('/api/v1/messages')).messages,
    message: (id) => get<MailpitMessage>(`/api/v1/message/${id}`),
    raw: (id) => get<string>(`/api/v1/message/${id}/raw`, 'text'),
    async stop() {
      await proc.stop();
      rmSync(dbDir, { recursive: true, force: true });
    },
  };
}
