// Every figure a report shares with the dashboard comes through this module, from the dashboard's own
// query functions called with the same Filters a page would build: a report's numbers then equal the
// pages' for the same period and scope by construction. It is the only file of reports/ that imports
// src/lib/server/queries/* or the incident store, so a change of their signatures is adapted here.
import type { ClickHouseClient } from '../queries/db.ts';
import type { Filters } from '../queries/filters.ts';
import { accuracyRates, adoptionPct, ministryAdoption, mauByMinistry, type MinistryAdoption } from '../queries/overview.ts';
import { overviewPageData } from '../queries/page-data.ts';
import { ruleQuality, type RuleQuality } from '../queries/evaluators.ts';
import { topIncidents, incidentCounts, type IncidentSummary, type IncidentCounts } from '../queries/incidents.ts';
import { evaluatorWatermarks, type Watermark } from '../queries/pipeline.ts';
import { getIncidentOutput, type IncidentOutput } from '../incident-detail.ts';
import { liveFlagsOfOutput, type OutputFlag } from '../../../../clickhouse/stores/evaluation.ts';

export type { MinistryAdoption, RuleQuality, IncidentSummary, IncidentCounts, Watermark };

/** The dashboard's Filters for a report: a period and a scope, never an app or model filter. */
export function reportFilters(from: string, to: string, ministry: string | null): Filters {
  return { from, to, ministry, app: null, model: null };
}

/** What the overview page shows for these filters, plus the ministry list and evaluator quality. */
export async function dashboardFigures(client: ClickHouseClient, f: Filters, planned: Map<string, number>) {
  const [overview, ministries, rules, top, counts] = await Promise.all([
    overviewPageData(client, f),
    ministryAdoption(client, f, planned),
    ruleQuality(client, f),
    topIncidents(client, f, 10),
    incidentCounts(client, f),
  ]);
  const plannedUsers = f.ministry ? (planned.get(f.ministry) ?? 0) : [...planned.values()].reduce((a, b) => a + b, 0);
  return {
    active: overview.active,
    adoption: { pct: adoptionPct(overview.active.mau, planned, f.ministry), planned: plannedUsers },
    byApp: overview.byApp,
    byModel: overview.byModel,
    totals: overview.totals,
    rates: accuracyRates(overview.totals),
    riskTable: overview.riskTable,
    ministries,
    rules,
    topIncidents: top,
    incidentCounts: counts,
  };
}
export type DashboardFigures = Awaited<ReturnType<typeof dashboardFigures>>;

/** MAU per ministry in the 30 days ending on each of `days` (the samples a rollout projection fits). */
export async function mauSamples(client: ClickHouseClient, f: Filters, days: string[]): Promise<{ day: string; mau: Map<string, number> }[]> {
  return Promise.all(days.map(async (day) => ({ day, mau: await mauByMinistry(client, { ...f, to: day }) })));
}

/** The evaluators' read positions and versions, as the pipeline page shows them. */
export function watermarks(client: ClickHouseClient): Promise<Watermark[]> {
  return evaluatorWatermarks(client);
}

/** One incident's output and live flags, for a masked excerpt (raw text: callers check the role first). */
export async function incidentEvidence(client: ClickHouseClient, outputId: string): Promise<{ output?: IncidentOutput; flags: OutputFlag[] }> {
  const [output, flags] = await Promise.all([getIncidentOutput(client, outputId), liveFlagsOfOutput(client, outputId)]);
  return { output, flags };
}
