// The data of the overview and ministry pages in one place, so the page loads and `npm run bench`
// measure the same thing. The flags are scanned once per load (findings()) and shared by the risk
// charts and the accuracy figures.
import type { ClickHouseClient } from './db.ts';
import type { Filters } from './filters.ts';
import { topIncidents } from './incidents.ts';
import {
  accuracyDaily, accuracyWithIncidents, activeAndDailyUsers, findings, requestsBy, requestsWithDailyBy, riskBySeverityOf,
  riskDailyBySeverityOf, riskDailyOf, sumAccuracy,
} from './overview.ts';

export async function overviewPageData(client: ClickHouseClient, f: Filters) {
  const findingsP = findings(client, f); // runs beside the rollup queries, shared with accuracyDaily
  const [fi, { active, dau }, apps, byModel, accuracy] = await Promise.all([
    findingsP,
    activeAndDailyUsers(client, f),
    requestsWithDailyBy(client, f, 'app'),
    requestsBy(client, f, 'model'),
    accuracyDaily(client, f, findingsP),
  ]);
  const totals = sumAccuracy(accuracy);
  return {
    active, dau, byApp: apps.totals, byModel, appDaily: apps.daily, accuracy, totals,
    risk: riskDailyOf(fi),
    riskSeverity: riskDailyBySeverityOf(fi),
    riskTable: riskBySeverityOf(fi, totals.outputs),
  };
}

export async function ministryPageData(client: ClickHouseClient, f: Filters & { ministry: string }) {
  const findingsP = findings(client, f);
  // Five queries: DAU/WAU/MAU and daily actives from one read, requests by app and per day from one,
  // accuracy and incident counts from another.
  const [fi, { active, dau }, apps, acc, incidents] = await Promise.all([
    findingsP,
    activeAndDailyUsers(client, f),
    requestsWithDailyBy(client, f, 'app'),
    accuracyWithIncidents(client, f, findingsP),
    topIncidents(client, f, 10),
  ]);
  const { accuracy, incidents: counts } = acc;
  return { active, dau, appDaily: apps.daily, byApp: apps.totals, accuracy, totals: sumAccuracy(accuracy), risk: riskDailyOf(fi), incidents, counts };
}
