// What every /api/v1 handler does first and last: authenticate the bearer token (or, for the token
// administration only, a signed-in admin's session), apply the per-token rate limit, check the role
// with the pages' guard, run the handler, write an audit row, and answer JSON, including the errors the
// guard and the filters raise (401, 403, 400), so a client never gets an HTML error page.
import { isHttpError, json, type RequestEvent } from '@sveltejs/kit';
import { getClickHouse } from '../../../../clickhouse/client.ts';
import { loadEnv } from '../../../../config/env.ts';
import { actorOf, writeAudit, type AuditAction } from '../audit.ts';
import { requireRole, type Role, type SessionUser } from '../auth/guard.ts';
import type { ClickHouseClient } from '../queries/db.ts';
import { rateLimited } from './rate-limit.ts';
import { ApiAuthError, authenticateApiToken } from './tokens.ts';

export interface ApiContext {
  client: ClickHouseClient;
  user: SessionUser;
  /** `{ user }`, for the guard and openView. */
  locals: { user: SessionUser };
  url: URL;
  event: RequestEvent;
  /** Token id, or "session" for a signed-in admin. */
  via: string;
}

export interface ApiRouteOptions {
  roles: Role[];
  /** What the audit row records (default api_read); the handler may add detail. */
  action?: AuditAction;
  /** Token administration may also be done by a signed-in admin (cookie session + CSRF, checked by hooks). */
  allowSession?: boolean;
}

export type ApiResult = { body: unknown; status?: number; audit?: { target?: string; ministry?: string; detail?: Record<string, unknown> } };

const problem = (status: number, message: string, headers: Record<string, string> = {}) =>
  json({ error: message, status }, { status, headers: { 'cache-control': 'no-store', ...headers } });

export function apiRoute(opts: ApiRouteOptions, handler: (ctx: ApiContext) => Promise<ApiResult>) {
  return async (event: RequestEvent): Promise<Response> => {
    const client = await getClickHouse();
    let user: SessionUser;
    let via: string;
    try {
      const sessionUser = (event.locals as { user?: SessionUser | null }).user ?? null;
      if (opts.allowSession && sessionUser && !event.request.headers.get('authorization')) {
        user = sessionUser;
        via = 'session';
      } else {
        const caller = await authenticateApiToken(client, event.request.headers.get('authorization'));
        user = caller.user;
        via = caller.token.token_id;
      }
    } catch (err) {
      if (err instanceof ApiAuthError) return problem(err.status, err.message, err.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      throw err;
    }
    const wait = rateLimited(via === 'session' ? `session:${user.username}` : via, loadEnv().API_RATE_LIMIT_PER_MINUTE);
    if (wait !== undefined) return problem(429, `rate limit of API_RATE_LIMIT_PER_MINUTE requests per minute reached; retry in ${wait} s`, { 'retry-after': String(wait) });
    const locals = { user };
    const auditEvent = { locals, request: event.request, getClientAddress: () => event.getClientAddress() };
    const audit = (action: AuditAction, status: number, extra: ApiResult['audit'] = {}) =>
      writeAudit(client, actorOf(auditEvent), {
        action,
        target: extra.target ?? event.url.pathname,
        ministry: extra.ministry ?? user.ministry ?? '',
        detail: { via, method: event.request.method, query: event.url.search.slice(0, 500), status, ...extra.detail },
      });
    try {
      requireRole(locals, ...opts.roles);
      const result = await handler({ client, user, locals, url: event.url, event, via });
      const status = result.status ?? 200;
      // Audited before answering: a read that cannot be recorded is not served (as for raw-text views).
      await audit(opts.action ?? 'api_read', status, result.audit);
      return json(result.body, { status, headers: { 'cache-control': 'no-store' } });
    } catch (err) {
      const status = isHttpError(err) ? err.status : err instanceof ApiAuthError ? err.status : undefined;
      if (status === undefined) throw err;
      const message = isHttpError(err) ? err.body.message : (err as Error).message;
      // Refusals are audited too: a token probing other ministries shows in the log.
      await audit('api_read', status, { detail: { refused: message } });
      return problem(status, message);
    }
  };
}
