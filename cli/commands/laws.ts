// `oversight laws import <file...>`: reads the official e-Gov law list (法令API v1 XML, v2 JSON, the CSV
// export, or the same as TSV with last-article columns), merges it over the seed catalog (curated
// aliases and English titles are kept) and stores it as the deployment's law catalog in the
// law-catalog directory. `oversight laws status` shows the catalog in use.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error.ts';
import { backfillEvaluators, parseDate } from './evaluate.ts';

interface ImportOpts {
  catalog?: string;
  out?: string;
  dryRun?: boolean;
  dir?: string;
  backfillSince?: string;
}

export function registerLaws(program: Command): void {
  const laws = program.command('laws').description('the law catalog used by the citation evaluator');
  laws
    .command('import <files...>')
    .description('import the e-Gov law list (法令API lawlists XML, /api/2/laws JSON, 法令一覧 CSV or TSV) as the law catalog in use')
    .option('--dir <path>', 'law-catalog directory (default: OVERSIGHT_LAW_CATALOG_DIR, else <OVERSIGHT_DATA_DIR>/law-catalog)')
    .option('--catalog <path>', 'instead of storing: merge into this catalog JSON file and write it back')
    .option('--out <path>', 'instead of storing: write the merged catalog JSON here')
    .option('--dry-run', 'report what would change without writing')
    .option('--backfill-since <date>', 'after storing, re-evaluate the citations of outputs since this date with the new catalog (as oversight evaluate --backfill --evaluator citations)')
    .action(async (files: string[], opts: ImportOpts) => {
      // Checked before anything is read or written: a typo must not leave a stored catalog without its backfill.
      const backfillSince = opts.backfillSince === undefined ? undefined : parseDate(opts.backfillSince, '--backfill-since');
      if (backfillSince && (opts.catalog || opts.out || opts.dryRun)) {
        throw new UsageError('--backfill-since re-evaluates with the catalog it stores; it cannot be combined with --catalog, --out or --dry-run');
      }
      const { buildCatalog, catalogHash, parseCatalogFile } = await import('../../evaluators/catalog.ts');
      const { SEED_LAW_CATALOG } = await import('../../contracts/law-catalog.ts');
      const { LawListFormatError, mergeIntoCatalog, parseLawList, readText } = await import('../../evaluators/laws-import.ts');
      const { lawCatalogDir, storeImportedCatalog } = await import('../../evaluators/catalog-store.ts');
      const { CITATIONS_VERSION } = await import('../../evaluators/citations.ts');
      let base = SEED_LAW_CATALOG;
      if (opts.catalog) {
        try {
          base = parseCatalogFile(JSON.parse(readFileSync(opts.catalog, 'utf8')));
        } catch (err) {
          throw new UsageError(`cannot read the catalog ${opts.catalog}: ${(err as Error).message}`);
        }
      }
      let merged = base;
      for (const file of files) {
        let text: string;
        try {
          text = readText(file);
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
        }
        let imported;
        try {
          imported = parseLawList(text);
        } catch (err) {
          if (err instanceof LawListFormatError) throw new UsageError(`${file}: ${err.message}`);
          throw err;
        }
        const res = mergeIntoCatalog(merged, imported);
        merged = res.catalog;
        console.error(`${imported.length} laws read from ${file}: ${res.added} added, ${res.updated} updated, ${res.unchanged} unchanged, ${res.unreadable.length} with an unreadable number`);
        for (const u of res.unreadable.slice(0, 20)) console.error(`  unreadable law number: ${u}`);
        if (res.unreadable.length > 20) console.error(`  … and ${res.unreadable.length - 20} more`);
      }
      buildCatalog(merged); // the result must load before it replaces anything
      const version = catalogHash(merged);
      if (opts.dryRun) {
        console.error(`${merged.laws.length} laws, catalog ${version} (dry run, nothing written)`);
        return;
      }
      const target = opts.out ?? opts.catalog;
      if (target) {
        // Write then rename, so a crash never leaves a half-written catalog.
        writeFileSync(`${target}.tmp`, JSON.stringify(merged, null, 1) + '\n');
        renameSync(`${target}.tmp`, target);
        console.error(`catalog written to ${target} (${merged.laws.length} laws)`);
        return;
      }
      const dir = opts.dir ?? lawCatalogDir();
      const { info, path } = storeImportedCatalog(dir, merged, files.join(', '));
      console.error(
        `law catalog ${info.version} stored in ${path} (${info.law_count} laws); the citation evaluator is now ${CITATIONS_VERSION}+catalog.${info.version}.\n` +
          (backfillSince
            ? `Re-evaluating citations since ${backfillSince.toISOString()} with it…`
            : `The batch runner uses it from its next pass; to re-evaluate history: oversight evaluate --backfill --evaluator citations --since <date>`),
      );
      // The evaluators are loaded only now, so the citation evaluator is built on the catalog just stored.
      if (backfillSince) {
        try {
          await backfillEvaluators(['citations'], backfillSince);
        } catch (err) {
          // The catalog is stored either way (the runner uses it from its next pass): say what is left to do.
          console.error(`The catalog is stored, but the backfill did not run. When the database is free: oversight evaluate --backfill --evaluator citations --since ${opts.backfillSince}`);
          throw err;
        }
      }
    });
  laws
    .command('status')
    .description('show the law catalog in use (version, law count, import time)')
    .option('--dir <path>', 'law-catalog directory (default: OVERSIGHT_LAW_CATALOG_DIR, else <OVERSIGHT_DATA_DIR>/law-catalog)')
    .option('--json', 'print as JSON')
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const { activeCatalogInfo, lawCatalogDir } = await import('../../evaluators/catalog-store.ts');
      const info = activeCatalogInfo(opts.dir ?? lawCatalogDir());
      if (opts.json) console.log(JSON.stringify(info));
      else console.log(`${info.origin === 'seed' ? 'seed catalog (nothing imported)' : `imported ${info.imported_at} from ${info.source}`}: ${info.law_count} laws, version ${info.version}`);
    });
}
