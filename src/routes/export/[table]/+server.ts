// CSV of any analytics table: /export/<table id>?<the page's filters>. The same role checks, ministry
// scope and filters as the page that shows the table (see src/lib/server/queries/tables.ts). Every
// export is audited (export_raw or export_table) with the table, the filters and the row count.
import { error, type RequestHandler } from '@sveltejs/kit';
import { recordExport } from '$lib/server/audit.ts';
import { csvResponse, toCsv } from '$lib/csv.ts';
import { openView } from '$lib/server/queries/view.ts';
import { TABLES, csvColumns, isTableId, type TableSpec } from '$lib/server/queries/tables.ts';
import { LANG_COOKIE, resolveLang } from '$lib/i18n/index.ts';
import { withRuleTitles } from '$lib/i18n/findings.ts';

export const GET: RequestHandler = async (event) => {
  const { locals, url, params, cookies } = event;
  const id = params.table ?? '';
  if (!isTableId(id)) error(404, `no table ${JSON.stringify(id)}; known: ${Object.keys(TABLES).join(', ')}`);
  const spec = TABLES[id] as TableSpec;
  const v = await openView(locals, url, spec.roles);
  const rows = await spec.rows({ client: v.client, filters: v.filters, planned: v.planned, rawText: v.rawTextAll });
  await recordExport(v.client, event, {
    table: id,
    raw: spec.rawText?.({ rawText: v.rawTextAll }) ?? false,
    filters: v.query,
    rows: rows.length,
    ministry: v.filters.ministry ?? '',
  });
  const scope = v.filters.ministry ? `_${v.filters.ministry}` : '';
  // Rule ids get their readable names beside them, in the visitor's language (?lang= or the cookie).
  const titled = withRuleTitles(csvColumns(id, rows), rows, resolveLang(url, cookies.get(LANG_COOKIE)));
  return csvResponse(`${id}${scope}_${v.filters.from}_${v.filters.to}.csv`, toCsv(titled.columns, titled.rows));
};
