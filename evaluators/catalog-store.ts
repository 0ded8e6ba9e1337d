// Where a deployment keeps its law catalog: operator data, not package source. `oversight laws import`
// stores each imported official list as one file in the law-catalog directory
// (OVERSIGHT_LAW_CATALOG_DIR, default <OVERSIGHT_DATA_DIR>/law-catalog); the citation evaluator uses the
// newest stored catalog and falls back to the seed shipped with the package. Files are written whole
// and renamed into place, so a reader never sees half a catalog; older imports are kept for audit
// (the newest few) and the newest file name decides which one is in use.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { LawCatalogFileSchema, LawCatalogInfoSchema, SEED_LAW_CATALOG, type LawCatalogInfo } from '../contracts/law-catalog.ts';
import { buildCatalog, catalogHash, type Catalog, type CatalogFile } from './catalog.ts';

/** Imports kept in the directory (the newest is in use; the others document what changed). */
const KEEP = 5;
const FILE = /^catalog-(\d{8}T\d{6}Z)-([0-9a-f]+)\.json$/;

const StoredCatalogSchema = z.object({ info: LawCatalogInfoSchema, catalog: LawCatalogFileSchema });

/** The law-catalog directory of this deployment. */
export function lawCatalogDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OVERSIGHT_LAW_CATALOG_DIR || join(env.OVERSIGHT_DATA_DIR || './data/oversight', 'law-catalog');
}

/** The newest stored catalog file, or null when nothing was imported (or the directory does not exist). */
export function newestCatalogFile(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const stored = names.filter((n) => FILE.test(n)).sort();
  return stored.length ? join(dir, stored[stored.length - 1]) : null;
}

export function seedCatalogInfo(): LawCatalogInfo {
  return { version: catalogHash(SEED_LAW_CATALOG), law_count: SEED_LAW_CATALOG.laws.length, origin: 'seed', imported_at: null, source: null };
}

/** Stores an imported catalog as the newest one; returns what the evaluator will report. */
export function storeImportedCatalog(dir: string, file: CatalogFile, source: string, now = new Date()): { info: LawCatalogInfo; path: string } {
  buildCatalog(file); // the catalog must load before it becomes the one in use
  const version = catalogHash(file);
  const info: LawCatalogInfo = { version, law_count: file.laws.length, origin: 'imported', imported_at: now.toISOString(), source: basename(source) };
  mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const path = join(dir, `catalog-${stamp}-${version}.json`);
  writeFileSync(`${path}.tmp`, JSON.stringify({ info, catalog: { ...file, version } }) + '\n');
  renameSync(`${path}.tmp`, path);
  const stored = readdirSync(dir).filter((n) => FILE.test(n)).sort();
  for (const old of stored.slice(0, Math.max(0, stored.length - KEEP))) rmSync(join(dir, old), { force: true });
  return { info, path };
}

function readStored(path: string): z.output<typeof StoredCatalogSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the law catalog ${path}: ${(err as Error).message}`);
  }
  const res = StoredCatalogSchema.safeParse(raw);
  if (!res.success) throw new Error(`the law catalog ${path} is invalid: ${res.error.issues[0].path.join('.')}: ${res.error.issues[0].message}`);
  return res.data;
}

export interface ActiveCatalog {
  catalog: Catalog;
  info: LawCatalogInfo;
  /** The stored file in use; null for the seed. */
  path: string | null;
}

/** The catalog the evaluator uses: the newest import in `dir`, else the seed. A corrupt newest file is an error, not a silent fallback. */
export function loadActiveCatalog(dir = lawCatalogDir()): ActiveCatalog {
  const path = newestCatalogFile(dir);
  if (!path) return { catalog: buildCatalog(SEED_LAW_CATALOG, catalogHash(SEED_LAW_CATALOG)), info: seedCatalogInfo(), path: null };
  const stored = readStored(path);
  return { catalog: buildCatalog(stored.catalog, stored.info.version), info: stored.info, path };
}

const infoCache = new Map<string, { mtimeMs: number; info: LawCatalogInfo }>();

/** What the pages show: the active catalog's version, law count and import time (cached per file). */
export function activeCatalogInfo(dir = lawCatalogDir()): LawCatalogInfo {
  const path = newestCatalogFile(dir);
  if (!path) return seedCatalogInfo();
  const mtimeMs = statSync(path).mtimeMs;
  const hit = infoCache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.info;
  const info = readStored(path).info;
  infoCache.set(path, { mtimeMs, info });
  return info;
}
