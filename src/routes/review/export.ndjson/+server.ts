// Labeled review samples as NDJSON in the dev-set format (`expected`, `note`), for scoring the
// evaluators offline with ../shared/tools/score-evaluators.mjs. Raw text: reviewers, admins and a
// CAIO (their ministry only); each export is recorded in the audit log.
import type { RequestHandler } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { ministryScope, requireLabeling } from '$lib/server/auth/guard.ts';
import { actorOf, writeAudit } from '$lib/server/audit.ts';
import { exportDevSet, toNdjson } from '$lib/server/review/export.ts';

export const GET: RequestHandler = async (event) => {
  requireLabeling(event.locals);
  const client = await getClickHouse();
  const scope = ministryScope(event.locals);
  const lines = await exportDevSet(client, { scope });
  await writeAudit(client, actorOf(event), { action: 'export_raw', target: 'review_samples', ministry: scope ?? '', detail: { lines: lines.length, format: 'dev-set ndjson' } });
  return new Response(toNdjson(lines), {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="review-samples-${new Date().toISOString().slice(0, 10)}.ndjson"`,
    },
  });
};
