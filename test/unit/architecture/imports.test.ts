// Keeps the layering of docs/ARCHITECTURE.md true: every import of the tree is checked against its
// may-import table, and no file imports itself through others (cycles). The second block shows the
// guard failing on a fixture tree with a forbidden import, a hidden dynamic import and a cycle.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImports, parseMayImportTable, readImports } from './import-guard.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// The $aliases the dashboard's files use, as svelte.config.js configures them (it has no type declarations).
const svelteConfig = (await import(pathToFileURL(join(ROOT, 'svelte.config.js')).href)) as { default: { kit?: { alias?: Record<string, string> } } };
const ALIASES = svelteConfig.default.kit?.alias ?? {};

describe('the import guard on this tree', () => {
  const report = checkImports(ROOT, ALIASES);

  it('reads the may-import table from docs/ARCHITECTURE.md', () => {
    expect(report.allowed.get('contracts')).toEqual(new Set(['contracts']));
    expect([...report.allowed.get('evaluators')!].sort()).toEqual(['clickhouse', 'config', 'contracts', 'evaluators']);
    expect(report.allowed.get('src')!.has('service')).toBe(false);
    expect([...report.allowed.keys()].every((part) => report.allowed.get('test')!.has(part))).toBe(true);
    expect(report.files).toBeGreaterThan(200);
    expect(report.imports).toBeGreaterThan(1000);
  });

  it('finds no import the table forbids', () => {
    expect(report.violations.map((v) => `${v.file}:${v.line} ${v.message}`)).toEqual([]);
  });

  it('finds no import cycle', () => {
    expect(report.cycles).toEqual([]);
  });
});

describe('the import guard fails where it should (fixture tree)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'import-guard-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put(
    'docs/ARCHITECTURE.md',
    [
      '# x',
      '',
      '| folder | what | may import |',
      '|---|---|---|',
      '| `contracts/` | types | zod only |',
      '| `config/` | env | contracts |',
      '| `lib/` | code | the parts above except `config/` |',
      '| `app/` | top | everything |',
      '',
      'Prose after the table mentions config/ and app/ freely.',
    ].join('\n'),
  );
  put('contracts/a.ts', "import { z } from 'zod';\nexport const a = 1;\n");
  put('contracts/data.json', '{}');
  put('config/env.ts', "import { a } from '../contracts/a.ts';\nexport const env = a;\n");
  put('lib/ok.ts', "import type { a } from '../contracts/a.ts';\n// import { env } from '../config/env.ts'; (a comment, not an import)\nexport const ok = 1;\n");
  put('lib/bad.ts', "import {\n  env,\n} from '../config/env.ts';\nexport const bad = env;\n");
  put('lib/hidden.ts', "const spec = '../config/env.ts';\nexport const load = () => import(/* @vite-ignore */ spec);\n");
  put('lib/declared.ts', "const spec = '../config/env.ts';\n// import-guard: config\nexport const load = () => import(spec);\n");
  put('contracts/json.ts', "import data from '../app/data.json' with { type: 'json' };\nexport default data;\n");
  put('app/data.json', '{}');
  put('app/main.ts', "export { ok } from '../lib/ok.ts';\nconst m = await import('../contracts/a.ts');\n");
  put('app/x.ts', "import { y } from './y.ts';\nexport const x = () => y;\n");
  put('app/y.ts', "import type { x } from './x.ts';\nexport const y = 1 as unknown as typeof x;\n");
  const report = checkImports(dir);
  const messages = report.violations.map((v) => `${v.file}:${v.line} ${v.message}`);

  it('parses "zod only", "the parts above except", "everything"', () => {
    const t = parseMayImportTable('| folder | what | may import |\n|---|---|---|\n| `a/` | x | zod only |\n| `b/` | y | `a/`; reads `c/data/x.json` |\n| `c/` | z | the parts above except `a/` |');
    expect(t).toEqual(new Map([['a', new Set(['a'])], ['b', new Set(['b', 'c/data/x.json', 'a'])], ['c', new Set(['c', 'b'])]]));
  });

  it('fails on a forbidden static import (also across lines), a JSON import and a declared dynamic import of a forbidden part', () => {
    expect(messages).toContainEqual(expect.stringMatching(/^lib\/bad\.ts:1 lib\/ may not import config\//));
    expect(messages).toContainEqual(expect.stringMatching(/^contracts\/json\.ts:1 contracts\/ may not import app\//));
    expect(messages).toContainEqual(expect.stringMatching(/^lib\/declared\.ts:3 lib\/ may not import config\/ .*run time/));
  });

  it('fails on a dynamic import of a computed path that does not say what it loads', () => {
    expect(messages).toContainEqual(expect.stringMatching(/^lib\/hidden\.ts:2 dynamic import of a computed specifier/));
  });

  it('passes allowed imports and ignores comments', () => {
    expect(messages.filter((m) => /^(lib\/ok|app\/main|config\/env)\.ts/.test(m))).toEqual([]);
    expect(report.violations).toHaveLength(4);
  });

  it('finds a cycle, type-only imports included', () => {
    expect(report.cycles).toEqual([['app/x.ts', 'app/y.ts']]);
  });

  it('reads every kind of import', () => {
    const refs = readImports(
      "import a from './a.ts';\nimport type { B } from './b.ts';\nexport * from './c.ts';\nimport './d.css';\nconst e = await import('./e.ts');\ntype F = typeof import('./f.ts');\nimport g from './g.json' with { type: 'json' };\n",
    );
    expect(refs.map((r) => r.specifier).sort()).toEqual(['./a.ts', './b.ts', './c.ts', './d.css', './e.ts', './f.ts', './g.json']);
  });
});
