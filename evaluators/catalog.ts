// The law catalog (evaluators/data/laws.json) and the era calendar, indexed for the citation checks:
// by law number (Japanese and English forms), by title and alias, and by era.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CATALOG_PATH = join(dirname(fileURLToPath(import.meta.url)), 'data', 'laws.json');

export interface LawEntry {
  title: string;
  aliases: string[];
  title_en: string | null;
  /** Common English short names ("APPI", "IT Basic Act"), matched like title_en. */
  aliases_en?: string[];
  kind: string;
  era: string | null;
  era_year: number | null;
  year: number | null;
  number: number | null;
  number_ja: string | null;
  number_en: string | null;
  status: 'current' | 'repealed' | string;
  repealed_on: string | null;
  replaced_by: string | null;
  last_article: number | null;
  law_id?: string | null;
}

export interface CatalogFile {
  about?: string;
  version?: string;
  eras: Record<string, [string, string | null]>;
  laws: LawEntry[];
}

export interface Era {
  name: string;
  start: string; // YYYY-MM-DD
  end: string | null;
  startYear: number;
  /** Last valid year number of a closed era (昭和 → 64); null while the era goes on. */
  maxYear: number | null;
}

export interface Catalog {
  /** Identifies the catalog content in evaluator versions: a new import re-evaluates history. */
  version: string;
  eras: Map<string, Era>;
  laws: LawEntry[];
  byNumber: Map<string, LawEntry>;
  byName: Map<string, LawEntry>;
  byNameEn: Map<string, LawEntry>;
  maxNameLength: number;
  maxNameEnLength: number;
}

export function numberKey(era: string, year: number, kind: string, num: number | null): string {
  return `${era}|${year}|${kind}|${num ?? ''}`;
}
export function numberKeyEn(year: number, kind: string, num: number): string {
  return `en|${year}|${kind}|${num}`;
}

const NUMBER_JA = /^(明治|大正|昭和|平成|令和)(\d+|元)年(.+?)(?:第(\d+)号)?$/;

/** Splits "平成15年法律第57号" into its parts; null for anything else. */
export function parseNumberJa(s: string): { era: string; year: number; kind: string; num: number | null } | null {
  const m = NUMBER_JA.exec(s);
  if (!m) return null;
  return { era: m[1], year: m[2] === '元' ? 1 : Number(m[2]), kind: m[3], num: m[4] ? Number(m[4]) : null };
}

export function buildCatalog(file: CatalogFile, version = file?.version ?? 'inline'): Catalog {
  if (!file || typeof file !== 'object' || !Array.isArray(file.laws) || !file.eras) {
    throw new Error('law catalog must be an object with "eras" and "laws"');
  }
  const eras = new Map<string, Era>();
  for (const [name, [start, end]] of Object.entries(file.eras)) {
    const startYear = Number(start.slice(0, 4));
    eras.set(name, { name, start, end, startYear, maxYear: end ? Number(end.slice(0, 4)) - startYear + 1 : null });
  }
  const byNumber = new Map<string, LawEntry>();
  const byName = new Map<string, LawEntry>();
  const byNameEn = new Map<string, LawEntry>();
  let maxNameLength = 0;
  let maxNameEnLength = 0;
  for (const law of file.laws) {
    const parsed = law.number_ja ? parseNumberJa(law.number_ja) : null;
    if (parsed) byNumber.set(numberKey(parsed.era, parsed.year, parsed.kind, parsed.num), law);
    if (law.year && law.number != null) byNumber.set(numberKeyEn(law.year, parsed?.kind ?? law.kind, law.number), law);
    for (const name of [law.title, ...(law.aliases ?? [])]) {
      if (!name || byName.has(name)) continue; // first entry wins: the curated seed comes first
      byName.set(name, law);
      maxNameLength = Math.max(maxNameLength, name.length);
    }
    for (const name of [law.title_en, ...(law.aliases_en ?? [])]) {
      if (!name) continue;
      const en = name.toLowerCase();
      if (!byNameEn.has(en)) byNameEn.set(en, law);
      maxNameEnLength = Math.max(maxNameEnLength, en.length);
    }
  }
  return { version, eras, laws: file.laws, byNumber, byName, byNameEn, maxNameLength, maxNameEnLength };
}

export function loadCatalog(path = DEFAULT_CATALOG_PATH): Catalog {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the law catalog ${path}: ${(err as Error).message}`);
  }
  try {
    const file = JSON.parse(raw) as CatalogFile;
    return buildCatalog(file, file.version ?? createHash('sha256').update(raw).digest('hex').slice(0, 8));
  } catch (err) {
    throw new Error(`the law catalog ${path} is invalid: ${(err as Error).message}`);
  }
}

/** Gregorian year of an era year (令和8 → 2026). */
export function gregorianYear(era: Era, year: number): number {
  return era.startYear + year - 1;
}

/** The law's number as usually written ("明治29年法律第89号"), for explanations. */
export function describeNumber(law: LawEntry): string {
  return law.number_ja ?? law.number_en ?? 'no number';
}
