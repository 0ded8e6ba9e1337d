// The two HTTP listeners of `oversight serve`:
//  - public (HOST:PORT): the dashboard (adapter-node handler: pages, endpoints, static files) and /healthz;
//  - operations (OPS_HOST:OPS_PORT, loopback by default): /metrics, /admin-api/ and /healthz. Neither
//    Prometheus metrics (no authentication) nor the admin API is reachable through the public address.
// Both refuse a Host header that names something else (DNS rebinding) and put the security headers on
// every response before anything else writes it, so static files, redirects, /healthz, /metrics and
// error pages carry them as the pages do (a page's own Content-Security-Policy replaces the default).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MISDIRECTED, NON_PAGE_CSP, SECURITY_HEADERS, isAllowedHost, type HostPolicy } from '../src/lib/server/http-security.ts';

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Headers set here merge with what the handler writes later (writeHead and setHeader win). */
function presetSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader('content-security-policy', NON_PAGE_CSP);
}

/** Runs the Host check and the headers, then `route`. */
function guarded(hosts: HostPolicy, route: Listener): Listener {
  return (req, res) => {
    presetSecurityHeaders(res);
    if (!isAllowedHost(req.headers.host, hosts)) {
      res.writeHead(MISDIRECTED.status, { 'content-type': 'text/plain; charset=utf-8' }).end(MISDIRECTED.body);
      return;
    }
    route(req, res);
  };
}

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0];

function healthz(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ ok: true }));
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
}

export function publicListener(opts: {
  hosts: HostPolicy;
  handler: NodeHandler;
  beforeHandler?: (req: IncomingMessage) => void;
  /** OTLP/HTTP traces at /v1/traces (service/otlp-receiver.ts): platform collectors reach it like the dashboard. */
  traces?: (req: IncomingMessage, res: ServerResponse) => void;
}): Listener {
  return guarded(opts.hosts, (req, res) => {
    if (pathOf(req) === '/healthz') return healthz(res);
    if (opts.traces && pathOf(req) === '/v1/traces') return opts.traces(req, res);
    opts.beforeHandler?.(req);
    opts.handler(req, res, () => notFound(res));
  });
}

export interface OpsRoutes {
  metrics(): Promise<{ contentType: string; body: string }>;
  admin(req: IncomingMessage, res: ServerResponse): void;
}

export function opsListener(opts: { hosts: HostPolicy; routes: OpsRoutes }): Listener {
  return guarded(opts.hosts, (req, res) => {
    const path = pathOf(req);
    if (path === '/healthz') return healthz(res);
    if (path === '/metrics') {
      opts.routes
        .metrics()
        .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
        .catch((err) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(String(err)));
      return;
    }
    if (path.startsWith('/admin-api/')) return opts.routes.admin(req, res);
    notFound(res);
  });
}
