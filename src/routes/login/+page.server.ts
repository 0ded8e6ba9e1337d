import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { verifyPassword } from '$lib/server/auth/accounts.ts';
import { oidcSettings } from '$lib/server/auth/oidc.ts';
import { safeNext, startSession } from '$lib/server/auth/login.ts';
import { clearLoginFailures, countThrottled, loginThrottle, recordLoginFailure } from '$lib/server/auth/throttle.ts';
import { actorOf, writeAudit } from '$lib/server/audit.ts';

export const load: PageServerLoad = async ({ locals, url }) => {
  if (locals.user) redirect(303, safeNext(url.searchParams.get('next')));
  let sso = false;
  try {
    sso = oidcSettings() !== null;
  } catch {
    // A half-configured SSO hides the button; the operator sees the error when starting the flow.
  }
  return { sso, next: safeNext(url.searchParams.get('next')), ssoError: url.searchParams.get('sso_error') };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const username = String(form.get('username') ?? '').trim();
    const password = String(form.get('password') ?? '');
    const next = safeNext(String(form.get('next') ?? '/'));
    const who = actorOf(event, username);
    const client = await getClickHouse();
    const throttle = loginThrottle(username, who.ip);
    if (throttle.wait > 0) {
      countThrottled(throttle);
      await writeAudit(client, who, { action: 'login_throttled', target: username.slice(0, 128), detail: { limit: throttle.reason, wait_seconds: throttle.wait } });
      return fail(429, { username, error: 'throttled' as const, wait: throttle.wait });
    }

    const user = username && password ? await verifyPassword(client, username, password) : null;
    if (!user) {
      recordLoginFailure(username, who.ip);
      await writeAudit(client, who, { action: 'login_failed', target: username.slice(0, 128) });
      return fail(400, { username, error: 'failed' as const, wait: 0 });
    }
    clearLoginFailures(username, who.ip);
    await startSession(client, event.cookies, event.url, user, who, 'password');
    redirect(303, next);
  },
};
