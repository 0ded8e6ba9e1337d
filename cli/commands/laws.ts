// `oversight laws import <file>`: merges the official e-Gov law list (法令API v1 XML, v2 JSON or the
// CSV export) into the citation evaluator's law catalog.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../usage-error.ts';

export function registerLaws(program: Command): void {
  const laws = program.command('laws').description('the law catalog used by the citation evaluator');
  laws
    .command('import <file>')
    .description('merge an e-Gov law list (法令API lawlists XML, /api/2/laws JSON, or the 法令一覧 CSV export) into the catalog')
    .option('--catalog <path>', 'catalog to merge into and write (default: evaluators/data/laws.json)')
    .option('--out <path>', 'write the merged catalog here instead of over --catalog')
    .option('--dry-run', 'report what would change without writing')
    .action(async (file: string, opts: { catalog?: string; out?: string; dryRun?: boolean }) => {
      const { DEFAULT_CATALOG_PATH, buildCatalog } = await import('../../evaluators/catalog.ts');
      const { LawListFormatError, mergeIntoCatalog, parseLawList, readText } = await import('../../evaluators/laws-import.ts');
      const catalogPath = opts.catalog ?? DEFAULT_CATALOG_PATH;
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
      let existing;
      try {
        existing = JSON.parse(readFileSync(catalogPath, 'utf8'));
      } catch (err) {
        throw new UsageError(`cannot read the catalog ${catalogPath}: ${(err as Error).message}`);
      }
      const res = mergeIntoCatalog(existing, imported);
      buildCatalog(res.catalog); // the result must load before it replaces anything
      const summary = `${imported.length} laws read from ${file}: ${res.added} added, ${res.updated} updated, ${res.unchanged} unchanged, ${res.unreadable.length} with an unreadable number`;
      for (const u of res.unreadable.slice(0, 20)) console.error(`  unreadable law number: ${u}`);
      if (res.unreadable.length > 20) console.error(`  … and ${res.unreadable.length - 20} more`);
      if (opts.dryRun) {
        console.error(`${summary} (dry run, nothing written)`);
        return;
      }
      const target = opts.out ?? catalogPath;
      // Write then rename, so a crash never leaves a half-written catalog.
      writeFileSync(`${target}.tmp`, JSON.stringify(res.catalog, null, 1) + '\n');
      renameSync(`${target}.tmp`, target);
      console.error(`${summary}; catalog written to ${target} (${res.catalog.laws.length} laws)`);
    });
}
