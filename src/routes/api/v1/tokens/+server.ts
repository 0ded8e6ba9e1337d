// GET /api/v1/tokens (list) and POST /api/v1/tokens (issue) for administrators: with an admin API
// token, or signed in to the dashboard as an admin (session cookie + x-csrf-token, checked by hooks).
// The secret is in the POST answer only.
import type { RequestHandler } from './$types';
import { error } from '@sveltejs/kit';
import { apiRoute } from '$lib/server/api/route.ts';
import { ApiAuthError, issueApiToken, listApiTokens } from '$lib/server/api/tokens.ts';
import { loadEnv } from '../../../../../config/env.ts';

export const GET: RequestHandler = apiRoute({ roles: ['admin'], allowSession: true }, async ({ client }) => ({ body: { tokens: await listApiTokens(client) } }));

export const POST: RequestHandler = apiRoute({ roles: ['admin'], allowSession: true, action: 'api_token_issue' }, async ({ client, user, event }) => {
  let body: Record<string, unknown>;
  try {
    body = (await event.request.json()) as Record<string, unknown>;
  } catch {
    error(400, 'the body must be JSON: {"name": "...", "role": "caio", "ministry": "mof", "days": 30}');
  }
  try {
    const issued = await issueApiToken(client, {
      name: String(body.name ?? ''),
      role: String(body.role ?? ''),
      ministry: body.ministry == null ? '' : String(body.ministry),
      days: body.days == null ? loadEnv().API_TOKEN_DAYS : Number(body.days),
      by: user.username,
    });
    return { status: 201, body: issued, audit: { target: issued.token_id, ministry: issued.ministry, detail: { role: issued.role, expires_at: issued.expires_at } } };
  } catch (err) {
    if (err instanceof ApiAuthError) error(err.status, err.message);
    throw err;
  }
});
