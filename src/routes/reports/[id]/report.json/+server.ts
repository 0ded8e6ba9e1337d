// The report as JSON: parameters, versions, the stored figures and the content hash, so another tool
// can re-check the hash (SHA-256 of the canonical JSON of {params, versions, figures}). For a reader
// who may not see the notable incidents' excerpts they are removed and `redacted` is true: the hash
// then describes the stored original, not this copy.
import type { RequestHandler } from './$types';
import { auditDownload, downloadName, openReport } from '$lib/server/reports/web.ts';

export const GET: RequestHandler = async (event) => {
  const report = await openReport(event.locals, event.params.id);
  await auditDownload(event, report, 'json', 'none');
  const { series: _series, hash_verified, ...rest } = report;
  const body = JSON.stringify({ ...rest, hash_verified, hash_algorithm: 'sha256(canonical_json({params, versions, figures}))' }, null, 2);
  return new Response(body, {
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${downloadName(report, 'json')}"` },
  });
};
