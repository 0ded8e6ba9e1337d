// The law catalog and the era calendar, indexed for the citation checks: by law number (Japanese and
// English forms), by title and alias (several laws can share one title over time), and by era.
// The catalog's contract lives in contracts/law-catalog.ts; which catalog is in use (the seed or an
// imported official list) is decided by evaluators/catalog-store.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LawCatalogFileSchema, SEED_LAW_CATALOG, type LawCatalogFile, type LawEntry } from '../contracts/law-catalog.ts';

export type { LawEntry };
export type CatalogFile = LawCatalogFile;

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
  /** Every law a name (title, former title or alias) denotes, oldest first: 所得税法 → 昭和22, 昭和40. */
  byName: Map<string, LawEntry[]>;
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

/** Content hash of a catalog file: the version the evaluator carries. */
export function catalogHash(file: CatalogFile): string {
  return createHash('sha256').update(JSON.stringify({ eras: file.eras, laws: file.laws })).digest('hex').slice(0, 12);
}

export function buildCatalog(file: CatalogFile, version = file?.version ?? catalogHash(file)): Catalog {
  if (!file || typeof file !== 'object' || !Array.isArray(file.laws) || !file.eras) {
    throw new Error('law catalog must be an object with "eras" and "laws"');
  }
  const eras = new Map<string, Era>();
  for (const [name, [start, end]] of Object.entries(file.eras)) {
    const startYear = Number(start.slice(0, 4));
    eras.set(name, { name, start, end, startYear, maxYear: end ? Number(end.slice(0, 4)) - startYear + 1 : null });
  }
  const byNumber = new Map<string, LawEntry>();
  const byName = new Map<string, LawEntry[]>();
  const byNameEn = new Map<string, LawEntry>();
  let maxNameLength = 0;
  let maxNameEnLength = 0;
  for (const law of file.laws) {
    const parsed = law.number_ja ? parseNumberJa(law.number_ja) : null;
    if (parsed) {
      const key = numberKey(parsed.era, parsed.year, parsed.kind, parsed.num);
      if (!byNumber.has(key)) byNumber.set(key, law); // first entry wins: the curated seed comes first
    }
    if (law.year && law.number != null) {
      const key = numberKeyEn(law.year, parsed?.kind ?? law.kind, law.number);
      if (!byNumber.has(key)) byNumber.set(key, law);
    }
    for (const name of new Set([law.title, ...(law.aliases ?? [])])) {
      if (!name) continue;
      const list = byName.get(name);
      if (list) list.push(law);
      else byName.set(name, [law]);
      maxNameLength = Math.max(maxNameLength, name.length);
    }
    for (const name of [law.title_en, ...(law.aliases_en ?? [])]) {
      if (!name) continue;
      const en = name.toLowerCase();
      if (!byNameEn.has(en)) byNameEn.set(en, law);
      maxNameEnLength = Math.max(maxNameEnLength, en.length);
    }
  }
  for (const list of byName.values()) if (list.length > 1) list.sort((a, b) => (a.year ?? 0) - (b.year ?? 0));
  return { version, eras, laws: file.laws, byNumber, byName, byNameEn, maxNameLength, maxNameEnLength };
}

/** Validates a catalog file read from disk (a hand-edited or imported catalog) against the contract. */
export function parseCatalogFile(raw: unknown): CatalogFile {
  const res = LawCatalogFileSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    throw new Error(`${issue.path.join('.') || 'catalog'}: ${issue.message}`);
  }
  return res.data;
}

/** The seed catalog shipped with the package. */
export function seedCatalog(): Catalog {
  return buildCatalog(SEED_LAW_CATALOG, catalogHash(SEED_LAW_CATALOG));
}

/** A catalog file at `path` (JSON in the contract's format). */
export function loadCatalog(path: string): Catalog {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the law catalog ${path}: ${(err as Error).message}`);
  }
  try {
    const file = parseCatalogFile(JSON.parse(raw));
    return buildCatalog(file, file.version ?? catalogHash(file));
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
