// The sources keep to TypeScript that only needs its types erased (no parameter properties, enums or
// namespaces), so Node's own type stripping (Node ≥ 22.18) can run them as well as tsx does. On Node 24
// it was measured and not adopted (docs/CAPACITY.md §7: the process's RSS was higher than with tsx),
// but a source that stops being strippable would close that door without anyone noticing. tsconfig's
// erasableSyntaxOnly says so to `npm run check`; this test says it to `npm test`, with TypeScript's
// own diagnostic (TS1294).
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** Every folder whose TypeScript runs outside Vite's build (the CLI, services, pipelines, bench). */
const RUN_AS_IS = ['bin', 'cli', 'clickhouse', 'pipelines', 'evaluators', 'contracts', 'config', 'service', 'alerts', 'bench', 'scripts', 'src/lib/server'];

function sources(): string[] {
  return RUN_AS_IS.flatMap((dir) =>
    (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
      .filter((f) => /\.m?ts$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => join(ROOT, dir, f)),
  );
}

/** TS1294 ("This syntax is not allowed when 'erasableSyntaxOnly' is enabled") per file and line. */
function nonErasable(files: string[]): string[] {
  // Each file on its own (noResolve, no lib): only the syntax matters, so this takes seconds, not a full check.
  const program = ts.createProgram(files, { erasableSyntaxOnly: true, noEmit: true, noResolve: true, noLib: true, types: [], allowImportingTsExtensions: true });
  return program
    .getSemanticDiagnostics()
    .filter((d) => d.code === 1294 && d.file)
    .map((d) => `${relative(ROOT, d.file!.fileName)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`);
}

describe('TypeScript the runtime can strip', () => {
  it('finds the syntax type stripping cannot run (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oversight-erasable-'));
    const file = join(dir, 'bad.ts');
    writeFileSync(file, 'export class A {\n  constructor(private readonly x: number) {}\n}\nexport enum E { a }\n');
    expect(nonErasable([file]).map((l) => l.split(':').pop())).toEqual(['2', '4']);
  });

  it('the sources that run outside Vite use none of it', () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(150);
    expect(nonErasable(files)).toEqual([]);
  });
});
