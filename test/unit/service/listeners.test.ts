// Issue 9 items 18 and 19: what `oversight serve` answers on which listener, the Host check against DNS
// rebinding, the security headers on every kind of response, and an owner-only data directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opsListener, publicListener } from '../../../service/listeners.ts';
import { hostPolicy, isAllowedHost } from '../../../src/lib/server/http-security.ts';
import { prepareDataDir } from '../../../clickhouse/data-dir.ts';
import { adminFilePath, writeAdminInfo } from '../../../service/admin-file.ts';
import { loadEnv } from '../../../config/env.ts';

describe('Host check', () => {
  const origin = hostPolicy({ ORIGIN: 'https://oversight.example.go.jp', ALLOWED_HOSTS: ['internal.example', 'proxy.example:8443'] });
  const none = hostPolicy({});

  it('refuses a name nobody configured, as a DNS-rebinding page would send it', () => {
    for (const host of ['evil.example', 'evil.example:3000', 'oversight.example.go.jp.evil.example', 'localhost.evil.example', '', undefined, 'a b', 'user@localhost', 'localhost/x', 'x'.repeat(400)]) {
      expect(isAllowedHost(host, none), String(host)).toBe(false);
      expect(isAllowedHost(host, origin), String(host)).toBe(false);
    }
  });

  it('accepts ORIGIN (on its port), ALLOWED_HOSTS, localhost and IP literals', () => {
    expect(isAllowedHost('oversight.example.go.jp', origin)).toBe(true);
    expect(isAllowedHost('OVERSIGHT.example.go.jp:443', origin)).toBe(true);
    expect(isAllowedHost('oversight.example.go.jp:8080', origin)).toBe(false);
    expect(isAllowedHost('internal.example:3000', origin)).toBe(true);
    expect(isAllowedHost('proxy.example:8443', origin)).toBe(true);
    expect(isAllowedHost('proxy.example', origin)).toBe(false);
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', '10.0.0.5', '192.0.2.1:80']) {
      expect(isAllowedHost(host, none), host).toBe(true);
      expect(isAllowedHost(host, origin), host).toBe(true);
    }
  });

  it('reads ALLOWED_HOSTS and the operations listener from the environment', () => {
    const env = loadEnv({ ALLOWED_HOSTS: 'a.example, b.example:8080' });
    expect(env.ALLOWED_HOSTS).toEqual(['a.example', 'b.example:8080']);
    expect(env.OPS_HOST).toBe('127.0.0.1');
    expect(env.OPS_PORT).toBe(9465);
    expect(loadEnv({ OPS_PORT: '0' }).OPS_PORT).toBe(0);
  });
});

// A stand-in for adapter-node's handler that answers the way it does: a page with its own CSP, a
// static file (sirv: writeHead with its own headers), a redirect, a handler error.
function fakeDashboard(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/page') {
    res.setHeader('content-security-policy', "default-src 'self'");
    res.setHeader('content-type', 'text/html');
    res.writeHead(200).end('<p>page</p>');
  } else if (path === '/favicon.png') res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'public, max-age=3600' }).end('png');
  else if (path === '/redirect') res.writeHead(303, { location: '/login' }).end();
  else if (path === '/boom') res.writeHead(500).end('Internal Error');
  else next();
}

let pub: Server;
let ops: Server;
const portOf = (s: Server) => (s.address() as { port: number }).port;

function get(server: Server, path: string, host?: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: portOf(server), path, headers: host === undefined ? {} : { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const hosts = hostPolicy({ ORIGIN: 'http://dashboard.example:3000' });
  pub = createServer(publicListener({ hosts, handler: fakeDashboard }));
  ops = createServer(
    opsListener({
      hosts,
      routes: {
        metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'oversight_up 1\n' }),
        admin: (_req, res) => void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing or wrong admin token"}'),
      },
    }),
  );
  await Promise.all([pub, ops].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
});
afterAll(async () => {
  await Promise.all([pub, ops].map((s) => new Promise((r) => s.close(r))));
});

describe('listeners of oversight serve', () => {
  it('keeps /metrics and /admin-api off the public listener', async () => {
    expect((await get(pub, '/metrics', 'dashboard.example:3000')).status).toBe(404);
    expect((await get(pub, '/admin-api/status', 'dashboard.example:3000')).status).toBe(404);
    const metrics = await get(ops, '/metrics', '127.0.0.1');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('oversight_up 1');
    expect((await get(ops, '/admin-api/status', '127.0.0.1')).status).toBe(401);
    expect((await get(ops, '/page', '127.0.0.1')).status).toBe(404);
  });

  it('answers a foreign Host with 421 on both listeners, before any route', async () => {
    for (const [server, path] of [[pub, '/page'], [pub, '/healthz'], [ops, '/metrics'], [ops, '/admin-api/status']] as const) {
      const res = await get(server, path, 'evil.example');
      expect(res.status, path).toBe(421);
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect((await get(pub, '/page', 'dashboard.example:3000')).status).toBe(200);
  });

  it('puts the security headers on every kind of response; a page keeps its own policy', async () => {
    const kinds = [
      [pub, '/page'], [pub, '/favicon.png'], [pub, '/redirect'], [pub, '/boom'], [pub, '/nothing-here'], [pub, '/healthz'],
      [ops, '/healthz'], [ops, '/metrics'], [ops, '/admin-api/status'], [ops, '/nothing-here'],
    ] as const;
    for (const [server, path] of kinds) {
      const res = await get(server, path, 'localhost');
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('same-origin');
      expect(res.headers['content-security-policy'], path).toBe(path === '/page' ? "default-src 'self'" : "default-src 'none'; frame-ancestors 'none'");
    }
    expect((await get(pub, '/favicon.png', 'localhost')).headers['cache-control']).toBe('public, max-age=3600');
    expect((await get(pub, '/redirect', 'localhost')).headers.location).toBe('/login');
  });
});

describe('data directory', () => {
  it('is created owner-only, an existing one is closed, and so is <data dir>.serve.json', () => {
    const parent = mkdtempSync(join(tmpdir(), 'oversight-perms-'));
    try {
      const fresh = join(parent, 'fresh');
      prepareDataDir(fresh);
      expect(statSync(fresh).mode & 0o777).toBe(0o700);
      // chDB creates its files from this process: with the umask in place they are owner-only too.
      writeFileSync(join(fresh, 'part.bin'), 'x');
      expect(statSync(join(fresh, 'part.bin')).mode & 0o077).toBe(0);

      // An older version left a world-readable directory and admin file behind.
      const old = join(parent, 'old');
      process.umask(0o022);
      mkdirSync(old, { mode: 0o755 });
      writeFileSync(adminFilePath(old), '{}', { mode: 0o644 });
      prepareDataDir(old);
      expect(statSync(old).mode & 0o777).toBe(0o700);
      writeAdminInfo(old, { url: 'http://127.0.0.1:1', token: 't', pid: 1 });
      expect(statSync(adminFilePath(old)).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
