// The import guard: reads every import of the tree (static, type-only, re-exports, side-effect,
// dynamic, JSON) and checks it against the may-import table of docs/ARCHITECTURE.md, which stays the
// one description of the layering: this module parses the table from the markdown, it does not repeat it.
//
// A "may import" cell is read as prose: the parts it names (`contracts`, `config/`, ...), "everything",
// "the parts above" (every part in an earlier row), "except X" (remove X); a file path in backticks
// (`evaluators/data/laws.json`) allows that one file only; anything else ("zod only", "node only", a
// package) names no part. A dynamic import whose specifier is not a string literal is a
// hidden seam: it must say which part it loads with a comment `import-guard: <part>` on the line above,
// unless its part may import everything.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface Violation {
  file: string;
  line: number;
  message: string;
}

export interface GuardReport {
  /** Part → the parts (and single files, as paths with a slash) it may import, itself included. */
  allowed: Map<string, Set<string>>;
  files: number;
  imports: number;
  violations: Violation[];
  /** Import cycles between files, each as the files in the cycle. */
  cycles: string[][];
}

const SOURCE = /\.(ts|mts|js|mjs|svelte)$/;
const SKIP_DIRS = new Set(['node_modules', 'build', '.svelte-kit', '.git', '.cache', 'fixtures', 'data', 'results']);

/** The may-import table: part name (folder without slash) → parts (and single file paths) it may import. */
export function parseMayImportTable(markdown: string): Map<string, Set<string>> {
  const rows: { part: string; cell: string }[] = [];
  let header: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (!line.trim().startsWith('|')) {
      if (header && rows.length) break; // the first table ends
      continue;
    }
    const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const folder = /^`([^`/]+)\/`$/.exec(cells[0]);
    const col = header.indexOf('may import');
    if (!folder || col < 0) continue;
    rows.push({ part: folder[1], cell: cells[col] });
  }
  if (rows.length === 0) throw new Error('docs/ARCHITECTURE.md has no may-import table (| folder | what | may import |)');
  const parts = rows.map((r) => r.part);
  const allowed = new Map<string, Set<string>>();
  rows.forEach(({ part, cell }, i) => {
    const files = [...cell.matchAll(/`([\w.-]+\/[^`\s]*[^`\s/])`/g)].map((m) => m[1]);
    const text = cell.replace(/`[\w.-]+\/[^`\s]*[^`\s/]`/g, ' ').replace(/`/g, ' ');
    const set = new Set<string>([part, ...files]);
    if (/\beverything\b/i.test(text)) parts.forEach((p) => set.add(p));
    if (/\bthe parts above\b/i.test(text)) parts.slice(0, i).forEach((p) => set.add(p));
    const [named, except = ''] = text.split(/\bexcept\b/i);
    for (const p of parts) if (new RegExp(`(^|[^\\w$-])${p}/?(?![\\w-])`).test(named)) set.add(p);
    for (const p of parts) if (new RegExp(`(^|[^\\w$-])${p}/?(?![\\w-])`).test(except)) set.delete(p);
    for (const f of files) if (except.includes(f)) set.delete(f);
    allowed.set(part, set);
  });
  return allowed;
}

function sourceFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      if (!SKIP_DIRS.has(name) && !name.startsWith('.')) out.push(...sourceFiles(root, path));
    } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

export interface ImportRef {
  specifier: string | null;
  line: number;
  /** What the comment `import-guard: <part>` above a non-literal dynamic import names. */
  declaredPart?: string;
}

/** Comments out of the way (kept as blank space, so line numbers hold), strings left alone. */
function stripComments(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, pre: string) => pre + ' '.repeat(m.length - pre.length));
}

export function readImports(src: string): ImportRef[] {
  const original = src;
  const code = stripComments(src);
  const lineOf = (i: number) => code.slice(0, i).split('\n').length;
  const refs: ImportRef[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1/g, // import x from 'y', export { a } from 'y'
    /\bimport\s*(['"])([^'"]+)\1/g, // import 'y'
    /\bimport\s*\(\s*(['"`])([^'"`$]+)\1\s*[,)]/g, // import('y'), typeof import('y')
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) refs.push({ specifier: m[2], line: lineOf(m.index!) });
  for (const m of code.matchAll(/\bimport\s*\(\s*(?!['"`][^'"`$]*['"`]\s*[,)])/g)) {
    const line = lineOf(m.index!);
    const above = original.split('\n').slice(Math.max(0, line - 3), line).join('\n');
    refs.push({ specifier: null, line, declaredPart: /import-guard:\s*([\w-]+)/.exec(above)?.[1] });
  }
  return refs;
}

function resolveFile(path: string): string | null {
  for (const p of [path, `${path}.ts`, `${path}.js`, join(path, 'index.ts'), join(path, 'index.js')]) {
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** The checker over a tree: `aliases` maps `$name` prefixes to folders relative to the root. */
export function checkImports(root: string, aliases: Record<string, string> = {}): GuardReport {
  root = resolve(root);
  const allowed = parseMayImportTable(readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8'));
  const partOf = (file: string) => relative(root, file).split(sep)[0];
  const parts = [...allowed.keys()];
  const files = sourceFiles(root).filter((f) => allowed.has(partOf(f)));
  const violations: Violation[] = [];
  const graph = new Map<string, Set<string>>();
  let imports = 0;
  const aliasList = Object.entries({ $lib: 'src/lib', ...aliases }).sort((a, b) => b[0].length - a[0].length);
  for (const file of files) {
    const from = partOf(file);
    const rel = relative(root, file);
    const edges = new Set<string>();
    graph.set(file, edges);
    for (const ref of readImports(readFileSync(file, 'utf8'))) {
      imports++;
      const may = allowed.get(from)!;
      if (ref.specifier === null) {
        if (parts.every((p) => may.has(p))) continue; // a part that may import everything
        if (!ref.declaredPart) {
          violations.push({ file: rel, line: ref.line, message: 'dynamic import of a computed specifier hides a dependency: import a literal path, or name the part in a comment "import-guard: <part>"' });
        } else if (!may.has(ref.declaredPart)) {
          violations.push({ file: rel, line: ref.line, message: `${from}/ may not import ${ref.declaredPart}/ (docs/ARCHITECTURE.md), loaded at run time` });
        }
        continue;
      }
      const alias = aliasList.find(([a]) => ref.specifier === a || ref.specifier!.startsWith(`${a}/`));
      let target: string;
      if (alias) target = join(root, alias[1], ref.specifier.slice(alias[0].length));
      else if (ref.specifier.startsWith('.')) target = resolve(dirname(file), ref.specifier);
      else continue; // a package or node: builtin
      const to = partOf(target);
      if (relative(root, target).startsWith('..')) {
        violations.push({ file: rel, line: ref.line, message: `imports ${ref.specifier}, outside the project` });
        continue;
      }
      if (!allowed.has(to)) continue; // e.g. build/ (checked by its own part's rule), static/
      if (!may.has(to) && !may.has(relative(root, target).split(sep).join('/'))) violations.push({ file: rel, line: ref.line, message: `${from}/ may not import ${to}/ (docs/ARCHITECTURE.md): ${ref.specifier}` });
      const resolved = resolveFile(target);
      if (resolved && SOURCE.test(resolved)) edges.add(resolved);
    }
  }
  return { allowed, files: files.length, imports, violations, cycles: findCycles(graph).map((c) => c.map((f) => relative(root, f))) };
}

/** Strongly connected components with more than one file (or a file importing itself): Tarjan. */
export function findCycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.has(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
