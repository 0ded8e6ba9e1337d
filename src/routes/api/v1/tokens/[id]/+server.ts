// DELETE /api/v1/tokens/<id>: revokes a token at once (admins only); it then answers 401 "revoked".
import type { RequestHandler } from './$types';
import { error } from '@sveltejs/kit';
import { apiRoute } from '$lib/server/api/route.ts';
import { ApiAuthError, revokeApiTokenById } from '$lib/server/api/tokens.ts';

export const DELETE: RequestHandler = apiRoute({ roles: ['admin'], allowSession: true, action: 'api_token_revoke' }, async ({ client, event }) => {
  try {
    const t = await revokeApiTokenById(client, event.params.id ?? '');
    return { body: { token_id: t.token_id, revoked: true }, audit: { target: t.token_id, ministry: t.ministry } };
  } catch (err) {
    if (err instanceof ApiAuthError) error(err.status, err.message);
    throw err;
  }
});
