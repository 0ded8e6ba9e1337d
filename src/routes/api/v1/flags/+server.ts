// GET /api/v1/flags: evaluator verdicts of the filtered view as OpenTelemetry `gen_ai.evaluation.result`
// events (src/lib/server/api/evaluation-results.ts). Not for leadership (aggregates only, as on the pages).
import type { RequestHandler } from './$types';
import { error } from '@sveltejs/kit';
import { apiRoute } from '$lib/server/api/route.ts';
import { flagsForApi, toEvaluationResult } from '$lib/server/api/evaluation-results.ts';
import { openView } from '$lib/server/queries/view.ts';
import type { Role } from '$lib/server/auth/guard.ts';

const ROLES: Role[] = ['admin', 'reviewer', 'caio'];

export const GET: RequestHandler = apiRoute({ roles: ROLES }, async ({ locals, url }) => {
  const limit = Number(url.searchParams.get('limit') ?? 500);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) error(400, 'limit must be a whole number from 1 to 5000');
  const v = await openView(locals, url, ROLES);
  const flags = await flagsForApi(v.client, v.filters, limit);
  return {
    body: { filters: v.filters, count: flags.length, limit, events: flags.map(toEvaluationResult) },
    audit: { ministry: v.filters.ministry ?? '', detail: { flags: flags.length } },
  };
});
