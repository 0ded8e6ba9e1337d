// Ministry and agency reference data, copied from the shared reference catalog.
// planned_users are planning figures (configuration): OVERSIGHT_PLANNED_USERS can override them.
import reference from './reference/ministries.json' with { type: 'json' };

export interface Ministry {
  code: string;
  name_ja: string;
  name_en: string;
  planned_users: number;
}

export const MINISTRIES: readonly Ministry[] = reference.ministries;
export const MINISTRY_CODES = MINISTRIES.map((m) => m.code) as [string, ...string[]];
const byCode = new Map(MINISTRIES.map((m) => [m.code, m]));

export function ministryByCode(code: string): Ministry | undefined {
  return byCode.get(code);
}

export function isMinistryCode(code: string): boolean {
  return byCode.has(code);
}

/** Planned users per ministry, with an optional JSON override such as {"mof": 32000}. */
export function plannedUsers(override?: Record<string, number>): Map<string, number> {
  return new Map(MINISTRIES.map((m) => [m.code, override?.[m.code] ?? m.planned_users]));
}
