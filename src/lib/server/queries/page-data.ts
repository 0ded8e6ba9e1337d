// The data of the overview and ministry pages in one place, so the page loads and `npm run bench`
// measure the same thing. The flags are scanned once per load (findings()) and shared by the risk
// charts and the accuracy figures.
import type { ClickHouseClient } from './db.ts';
import type { Filters } from './filters.ts';
import { incidentCounts, topIncidents } from './incidents.ts';
import {
  accuracyDaily, activeUsers, dailyActiveUsers, findings, requestsBy, requestsDailyBy, riskBySeverityOf, riskDailyBySeverityOf,
  riskDailyOf, sumAccuracy,
} from './overview.ts';

export async function overviewPageData(client: ClickHouseClient, f: Filters) {
  const findingsP = findings(client, f); // runs beside the rollup queries, shared with accuracyDaily
  const [fi, active, dau, byApp, byModel, appDaily, accuracy] = await Promise.all([
    findingsP,
    activeUsers(client, f),
    dailyActiveUsers(client, f),
    requestsBy(client, f, 'app'),
    requestsBy(client, f, 'model'),
    requestsDailyBy(client, f, 'app'),
    accuracyDaily(client, f, findingsP),
  ]);
  const totals = sumAccuracy(accuracy);
  return {
    active, dau, byApp, byModel, appDaily, accuracy, totals,
    risk: riskDailyOf(fi),
    riskSeverity: riskDailyBySeverityOf(fi),
    riskTable: riskBySeverityOf(fi, totals.outputs),
  };
}

export async function ministryPageData(client: ClickHouseClient, f: Filters & { ministry: string }) {
  const findingsP = findings(client, f);
  const [fi, active, dau, appDaily, byApp, accuracy, incidents, counts] = await Promise.all([
    findingsP,
    activeUsers(client, f),
    dailyActiveUsers(client, f),
    requestsDailyBy(client, f, 'app'),
    requestsBy(client, f, 'app'),
    accuracyDaily(client, f, findingsP),
    topIncidents(client, f, 10),
    incidentCounts(client, f),
  ]);
  return { active, dau, appDaily, byApp, accuracy, totals: sumAccuracy(accuracy), risk: riskDailyOf(fi), incidents, counts };
}
