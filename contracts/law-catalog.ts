// The law catalog: one contract for the citation evaluator, the importer and the simulator.
// The seed (contracts/reference/laws.json, ~110 curated laws with English titles and aliases) ships with
// the package; a deployment imports the official e-Gov list on top of it (evaluators/catalog-store.ts).
import { z } from 'zod';
import seed from './reference/laws.json' with { type: 'json' };

export const LawEntrySchema = z.object({
  title: z.string().min(1),
  /** Other names of the same law: short names (個人情報保護法) and former titles (証券取引法). */
  aliases: z.array(z.string()).default([]),
  title_en: z.string().nullable().default(null),
  /** Common English short names ("APPI", "IT Basic Act"), matched like title_en. */
  aliases_en: z.array(z.string()).optional(),
  /** 法律, 政令, 勅令, 憲法, ○○省令, 太政官布告… as written in the law number. */
  kind: z.string(),
  era: z.string().nullable(),
  era_year: z.number().int().nullable(),
  year: z.number().int().nullable(),
  number: z.number().int().nullable(),
  /** "明治29年法律第89号": era year and number in ASCII digits. Null for laws without a number. */
  number_ja: z.string().nullable(),
  number_en: z.string().nullable(),
  status: z.enum(['current', 'repealed']),
  repealed_on: z.string().nullable().default(null),
  replaced_by: z.string().nullable().default(null),
  /**
   * The last article that can be cited (第N条): the main provisions' last article, or the last article of
   * the supplementary provisions when their numbering continues the main one (労働基準法 附則 → 143).
   * Null means unknown, not unlimited.
   */
  last_article: z.number().int().positive().nullable(),
  /** The branch number of that last article (第三百十一条の二十四 → 24; 0 when it has none); absent or null when unknown. */
  last_article_branch: z.number().int().nonnegative().nullable().optional(),
  law_id: z.string().nullable().optional(),
});
export type LawEntry = z.output<typeof LawEntrySchema>;

export const LawCatalogFileSchema = z.object({
  about: z.string().optional(),
  version: z.string().optional(),
  /** Era name → [first day, last day or null while it goes on], ISO dates. */
  eras: z.record(z.string(), z.tuple([z.string(), z.string().nullable()])),
  laws: z.array(LawEntrySchema),
});
export type LawCatalogFile = z.output<typeof LawCatalogFileSchema>;

/** The curated seed catalog shipped with the package (used until an official list is imported). */
export const SEED_LAW_CATALOG: LawCatalogFile = LawCatalogFileSchema.parse(seed);

/** What the dashboard and the CLI show about the catalog in use. */
export const LawCatalogInfoSchema = z.object({
  /** Content hash: part of the citation evaluator's version, so a new catalog re-evaluates. */
  version: z.string(),
  law_count: z.number().int().nonnegative(),
  /** 'seed' (shipped with the package) or 'imported' (an official list stored by `oversight laws import`). */
  origin: z.enum(['seed', 'imported']),
  imported_at: z.string().nullable(),
  /** The file the list was imported from (its name only). */
  source: z.string().nullable(),
});
export type LawCatalogInfo = z.output<typeof LawCatalogInfoSchema>;
