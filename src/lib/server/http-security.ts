// The HTTP rules every response follows, shared by hooks.server.ts (pages, endpoints, refusals) and
// service/listeners.ts (everything `oversight serve` answers: static files, /healthz, /metrics,
// /admin-api, redirects), so both apply the same headers and the same Host check. No SvelteKit imports.
import { isIP } from 'node:net';

/** On every response, whatever produced it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * For anything that is not a page (CSV, JSON, metrics, static files): allows nothing, should a browser
 * ever render it as a document. Pages carry their own policy with a nonce (svelte.config.js kit.csp).
 */
export const NON_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'";

export interface HostPolicy {
  /** The public origin (ORIGIN), if configured. */
  origin?: URL;
  /** ALLOWED_HOSTS entries, lower-case: `name` (any port) or `name:port`. */
  allowed: string[];
}

export function hostPolicy(env: { ORIGIN?: string; ALLOWED_HOSTS?: readonly string[] }): HostPolicy {
  return { origin: env.ORIGIN ? new URL(env.ORIGIN) : undefined, allowed: (env.ALLOWED_HOSTS ?? []).map((h) => h.toLowerCase()) };
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * Whether a request's Host header names this service. DNS rebinding works by pointing a name the
 * attacker controls at this address, so a request is served only under a name the operator chose:
 * the host of ORIGIN, an ALLOWED_HOSTS entry, `localhost`, or an IP literal (a literal cannot be
 * rebound: the browser's origin is then the address itself, and the session cookie of the real name
 * is not sent to it). Anything else, or a Host that does not parse as one, is refused.
 */
export function isAllowedHost(host: string | null | undefined, policy: HostPolicy): boolean {
  if (!host || host.length > 300) return false;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return false;
  }
  // `user@evil`, `a/b`, `a?b` parse as a URL but are not a Host.
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || /[/?#@\\\s]/.test(host)) return false;
  const name = url.hostname;
  if (name === 'localhost' || isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
  // The port as sent (the http: parse above hides an explicit :80), else the public scheme's default.
  const explicit = /:(\d+)$/.exec(host)?.[1];
  const scheme = policy.origin?.protocol ?? 'http:';
  const port = explicit ? String(Number(explicit)) : DEFAULT_PORT[scheme];
  if (policy.origin && name === policy.origin.hostname && port === (policy.origin.port || DEFAULT_PORT[scheme])) return true;
  return policy.allowed.some((entry) => entry === name || entry === `${name}:${port}`);
}

/** The body and status of the refusal, the same from every listener. */
export const MISDIRECTED = {
  status: 421,
  body: 'This server does not answer to that host name. Set ORIGIN or ALLOWED_HOSTS to the names it is reached by.\n',
} as const;
