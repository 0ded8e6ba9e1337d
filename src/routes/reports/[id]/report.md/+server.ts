// The report as Markdown (the same layout as the print page), in the language of ?lang= or the cookie.
import type { RequestHandler } from './$types';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';
import { reportDocument } from '$lib/server/reports/document.ts';
import { reportMarkdown } from '$lib/server/reports/markdown.ts';
import { auditDownload, downloadName, openReport } from '$lib/server/reports/web.ts';

export const GET: RequestHandler = async (event) => {
  const report = await openReport(event.locals, event.params.id);
  const lang = resolveLang(event.url, event.cookies.get(LANG_COOKIE));
  const body = reportMarkdown(reportDocument(report, lang));
  await auditDownload(event, report, 'markdown', lang);
  return new Response(body, {
    headers: { 'content-type': 'text/markdown; charset=utf-8', 'content-disposition': `attachment; filename="${downloadName(report, 'md')}"` },
  });
};
