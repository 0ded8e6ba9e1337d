// Importer for the official law list of e-Gov 法令検索, producing the catalog format of
// contracts/law-catalog.ts. Accepted inputs (detected from the content):
//   - 法令API v1 法令名一覧 (GET /api/1/lawlists/{1..4}): XML with <LawNameListInfo> elements holding
//     <LawId>, <LawName>, <LawNo> (kanji, e.g. 平成十五年法律第五十七号) and <PromulgationDate> (YYYYMMDD);
//   - 法令API v2 (GET /api/2/laws): JSON {laws: [{law_info: {law_id, law_num, law_type, promulgation_date},
//     revision_info: {law_title, abbrev, repeal_status}}]};
//   - the CSV list export (法令一覧): a header row naming the columns (法令種別, 法令番号, 法令名, 法令ID,
//     公布日, 法令略称/略称…, 廃止…), UTF-8 with or without BOM, or Shift_JIS;
//   - the same as tab-separated values, including a list with the columns law_title, law_number,
//     last_article, suppl_numbering_continues_to, status (as in the e-Gov-derived list the tests use):
//     the last citable article is the later of the main provisions' last article and the last article
//     of supplementary provisions numbered on from them.
// Curated fields of the existing catalog (aliases, English titles, last articles, repeal status) are
// kept; the import adds laws and official ids, never removes what reviewers wrote.
import { readFileSync } from 'node:fs';
import type { CatalogFile, LawEntry } from './catalog.ts';
import { parseNumeral } from './text.ts';

export interface ImportedLaw {
  law_id: string | null;
  title: string;
  number_raw: string;
  promulgated: string | null; // YYYY-MM-DD
  abbrev: string[];
  repealed: boolean;
  /** Last citable article (main provisions or supplementary ones numbered on from them), when the list gives it. */
  last_article?: number | null;
  /** The branch number of that article (第三百十一条の二十四 → 24, 0 for none) when the list says. */
  last_article_branch?: number | null;
}

export class LawListFormatError extends Error {}

const ERA_START: Record<string, number> = { 明治: 1868, 大正: 1912, 昭和: 1926, 平成: 1989, 令和: 2019 };
const KANJI_NUMERAL = '[〇零一二三四五六七八九十百千0-9０-９]+';
const LAW_NUM = new RegExp(`^(明治|大正|昭和|平成|令和)(元|${KANJI_NUMERAL})年(.+?)(?:第(${KANJI_NUMERAL})号)?$`, 'u');

/** Reads a file as text: UTF-8 (BOM stripped), or Shift_JIS when it is not valid UTF-8. */
export function readText(path: string): string {
  const bytes = readFileSync(path);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('shift_jis').decode(bytes);
  }
}

/** Parses the law list in whichever supported format the text is. */
export function parseLawList(text: string): ImportedLaw[] {
  const head = text.trimStart().slice(0, 200);
  if (head.startsWith('<')) return parseXml(text);
  if (head.startsWith('{') || head.startsWith('[')) return parseJson(text);
  return parseCsv(text);
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : (XML_ENTITIES[e] ?? m),
  ).trim();
}
function tag(block: string, name: string): string | null {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(block);
  return m ? xmlText(m[1]) : null;
}

function parseXml(text: string): ImportedLaw[] {
  const blocks = text.match(/<LawNameListInfo>[\s\S]*?<\/LawNameListInfo>/g);
  if (!blocks) throw new LawListFormatError('XML without <LawNameListInfo> elements: expected the 法令API v1 lawlists response');
  return blocks.flatMap((b) => {
    const title = tag(b, 'LawName');
    const num = tag(b, 'LawNo');
    if (!title || !num) return [];
    return [{ law_id: tag(b, 'LawId'), title, number_raw: num, promulgated: ymd(tag(b, 'PromulgationDate')), abbrev: [], repealed: false }];
  });
}

function parseJson(text: string): ImportedLaw[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new LawListFormatError(`invalid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(data) ? data : (data as { laws?: unknown[] })?.laws;
  if (!Array.isArray(list)) throw new LawListFormatError('JSON without a "laws" array: expected the 法令API v2 /laws response');
  return list.flatMap((x) => {
    const item = x as { law_info?: Record<string, unknown>; revision_info?: Record<string, unknown>; current_revision_info?: Record<string, unknown> };
    const info = item.law_info ?? {};
    const rev = item.revision_info ?? item.current_revision_info ?? {};
    const title = str(rev.law_title);
    const num = str(info.law_num);
    if (!title || !num) return [];
    const repeal = str(rev.repeal_status);
    return [{
      law_id: str(info.law_id),
      title,
      number_raw: num,
      promulgated: ymd(str(info.promulgation_date)),
      abbrev: splitList(str(rev.abbrev)),
      repealed: !!repeal && !/^(none|)$/i.test(repeal),
    }];
  });
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
const splitList = (s: string | null) => (s ? s.split(/[,、，;；\/／]/).map((x) => x.trim()).filter(Boolean) : []);

function ymd(s: string | null): string | null {
  if (!s) return null;
  const digits = s.replace(/\D/g, '');
  if (/^\d{8}$/.test(digits)) return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
  return null;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim()));
}

const COLUMNS = {
  title: /^(法令名|法令名称|題名|法令の名称|law_?title|lawname)$/i,
  number_raw: /^(法令番号|law_?num|law_?number|lawno)$/i,
  law_id: /^(法令ID|law_?id)$/i,
  promulgated: /^(公布日|公布年月日|promulgation_?date)$/i,
  abbrev: /^(法令略称|略称|略称法令名|abbrev)$/i,
  repealed: /^(廃止|廃止状況|repeal_?status|status)$/i,
  last_article: /^(最終条|last_?article)$/i,
  suppl_continues_to: /^(附則最終条|suppl_numbering_continues_to)$/i,
  last_article_earlier: /^last_article_\d{4}$/i,
  last_article_label: /^last_article_label$/i,
} satisfies Record<string, RegExp>;

/** "repealed", "廃止", "true"… but not "no repeal found", "現行", "none". */
function isRepealedValue(v: string | undefined): boolean {
  const s = (v ?? '').trim();
  return !!s && !/^(none|なし|-|現行|0|false|no repeal found|current|in force)$/i.test(s) && !/^no\b/i.test(s);
}

/** "第三百十一条の二十四" → 24 and "第二百六十四条" → 0 when the label names article `last`; null otherwise. */
function labelBranch(label: string | undefined, last: number): number | null {
  const m = /^第([〇一二三四五六七八九十百千0-9]+)条(?:の([〇一二三四五六七八九十百千0-9]+))?$/.exec((label ?? '').trim());
  if (!m || parseNumeral(m[1]) !== last) return null;
  return m[2] ? parseNumeral(m[2]) : 0;
}

const positiveInt = (v: string | undefined) => {
  const n = v && /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return Number.isInteger(n) && n > 0 ? n : null;
};

function parseCsv(text: string): ImportedLaw[] {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const rows = parseCsvRows(text, firstLine.includes('\t') ? '\t' : ',');
  if (rows.length === 0) throw new LawListFormatError('empty file');
  const header = rows[0].map((h) => h.trim());
  const col = (k: keyof typeof COLUMNS) => header.findIndex((h) => COLUMNS[k].test(h));
  const iTitle = col('title');
  const iNum = col('number_raw');
  if (iTitle < 0 || iNum < 0) {
    const headerless = parseHeaderlessCsv(rows);
    if (headerless) return headerless;
    throw new LawListFormatError(`CSV header must name the law title (法令名) and number (法令番号) columns; found: ${header.join(', ')}`);
  }
  const iId = col('law_id');
  const iDate = col('promulgated');
  const iAbbrev = col('abbrev');
  const iRepealed = col('repealed');
  // Every column that names a last article: the citable end is the latest of them (numbering that
  // continues into 附則, or an article an earlier text of the law still had).
  const iLabel = col('last_article_label');
  const iLast = header.flatMap((h, i) => (COLUMNS.last_article.test(h) || COLUMNS.suppl_continues_to.test(h) || COLUMNS.last_article_earlier.test(h) ? [i] : []));
  return rows.slice(1).flatMap((r) => {
    const title = r[iTitle]?.trim();
    const num = r[iNum]?.trim();
    if (!title || !num) return [];
    const lasts = iLast.map((i) => positiveInt(r[i])).filter((n): n is number => n !== null);
    const last = lasts.length ? Math.max(...lasts) : null;
    return [{
      law_id: iId >= 0 ? r[iId]?.trim() || null : null,
      title,
      number_raw: num,
      promulgated: iDate >= 0 ? ymd(r[iDate] ?? null) : null,
      abbrev: iAbbrev >= 0 ? splitList(r[iAbbrev] ?? null) : [],
      repealed: iRepealed >= 0 && isRepealedValue(r[iRepealed]),
      last_article: last,
      last_article_branch: last !== null && iLabel >= 0 ? labelBranch(r[iLabel], last) : null,
    }];
  });
}

/**
 * Lists exported without a header (e.g. 公布年月日, 法令の種類, 法令番号, 法令名称): the number column is
 * the one whose values read as law numbers, the title the longest other text column.
 */
function parseHeaderlessCsv(rows: string[][]): ImportedLaw[] | null {
  const sample = rows.slice(0, 20);
  const width = Math.max(...sample.map((r) => r.length));
  const isNumber = (v: string | undefined) => !!v && LAW_NUM.test(v.replace(/\s/g, ''));
  let iNum = -1;
  for (let c = 0; c < width && iNum < 0; c++) if (sample.filter((r) => isNumber(r[c])).length >= Math.ceil(sample.length * 0.8)) iNum = c;
  if (iNum < 0) return null;
  let iTitle = -1;
  let best = 0;
  for (let c = 0; c < width; c++) {
    if (c === iNum) continue;
    const avg = sample.reduce((n, r) => n + (/^[\d/\-.年月日]+$/.test(r[c] ?? '') ? 0 : (r[c] ?? '').length), 0) / sample.length;
    if (avg > best) [best, iTitle] = [avg, c];
  }
  if (iTitle < 0) return null;
  const iDate = [...Array(width).keys()].find((c) => sample.every((r) => ymd(r[c] ?? null) !== null));
  return rows.flatMap((r) => {
    const title = r[iTitle]?.trim();
    const num = r[iNum]?.trim();
    if (!title || !num || !isNumber(num)) return [];
    return [{ law_id: null, title, number_raw: num, promulgated: iDate !== undefined ? ymd(r[iDate] ?? null) : null, abbrev: [], repealed: false }];
  });
}

/** Converts one imported row into a catalog entry; null when its number cannot be read. */
export function toCatalogEntry(law: ImportedLaw): LawEntry | null {
  const m = LAW_NUM.exec(law.number_raw.replace(/\s/g, ''));
  if (!m) return null;
  const era = m[1];
  const eraYear = m[2] === '元' ? 1 : parseNumeral(m[2]);
  const kind = m[3];
  const number = m[4] ? parseNumeral(m[4]) : null;
  if (!Number.isFinite(eraYear) || (number !== null && !Number.isFinite(number))) return null;
  const year = ERA_START[era] + eraYear - 1;
  const numberJa = `${era}${eraYear}年${kind}${number !== null ? `第${number}号` : ''}`;
  const kindEn = kind === '法律' ? 'Act' : kind === '政令' ? 'Cabinet Order' : null;
  // Old laws without a title are listed by number with a subject in brackets
  // ("昭和二十二年法律第五十四号（私的独占の禁止及び公正取引の確保に関する法律）"): the subject is how texts name it.
  const subject = /^[^（]+号（(.+)）$/.exec(law.title)?.[1];
  return {
    title: law.title,
    aliases: [...new Set([...(subject ? [subject] : []), ...law.abbrev])].filter((a) => a !== law.title),
    title_en: null,
    kind,
    era,
    era_year: eraYear,
    year,
    number,
    number_ja: numberJa,
    number_en: kindEn && number !== null ? `${kindEn} No. ${number} of ${year}` : null,
    status: law.repealed ? 'repealed' : 'current',
    repealed_on: null,
    replaced_by: null,
    last_article: law.last_article ?? null,
    last_article_branch: law.last_article_branch ?? null,
    law_id: law.law_id,
  };
}

/** A title that is only the law's number ("明治五年太政官布告第三百三十七号（改暦ノ布告）"): never a name to match. */
const NUMBER_TITLED = /^(明治|大正|昭和|平成|令和)[^（]*号/;

export interface MergeResult {
  catalog: CatalogFile;
  added: number;
  updated: number;
  unchanged: number;
  unreadable: string[];
}

/**
 * Merges imported laws into an existing catalog. Existing entries win on every field reviewers curate;
 * the import fills in the official id, new abbreviations and laws the catalog lacks.
 */
export function mergeIntoCatalog(existing: CatalogFile, imported: ImportedLaw[]): MergeResult {
  const laws = existing.laws.map((l) => ({ ...l, aliases: [...(l.aliases ?? [])] }));
  const lastSet = new Set<LawEntry>(); // entries whose last article this import has already set
  const byNumber = new Map(laws.filter((l) => l.number_ja).map((l) => [l.number_ja!, l]));
  const byId = new Map(laws.filter((l) => l.law_id).map((l) => [l.law_id!, l]));
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  const unreadable: string[] = [];
  for (const row of imported) {
    const entry = toCatalogEntry(row);
    if (!entry) {
      unreadable.push(`${row.title} (${row.number_raw})`);
      continue;
    }
    const prior = (entry.law_id && byId.get(entry.law_id)) || byNumber.get(entry.number_ja!);
    if (!prior) {
      laws.push(entry);
      if (entry.last_article !== null) lastSet.add(entry);
      byNumber.set(entry.number_ja!, entry);
      if (entry.law_id) byId.set(entry.law_id, entry);
      added++;
      continue;
    }
    let changed = false;
    if (!prior.law_id && entry.law_id) {
      prior.law_id = entry.law_id;
      changed = true;
    }
    for (const a of [...entry.aliases, ...(entry.title !== prior.title ? [entry.title] : [])]) {
      if (!prior.aliases.includes(a) && a !== prior.title && !NUMBER_TITLED.test(a)) {
        prior.aliases.push(a);
        changed = true;
      }
    }
    if (entry.status === 'repealed' && prior.status !== 'repealed') {
      prior.status = 'repealed';
      changed = true;
    }
    // The official text's last article is a fact newer than any curated value; several rows for one
    // law (the same number listed twice) keep the latest citable article.
    if (entry.last_article !== null && entry.last_article === prior.last_article && prior.last_article_branch == null && entry.last_article_branch != null) {
      prior.last_article_branch = entry.last_article_branch;
      changed = true;
    } else if (entry.last_article !== null && entry.last_article !== prior.last_article) {
      const next = lastSet.has(prior) ? Math.max(prior.last_article ?? 0, entry.last_article) : entry.last_article;
      lastSet.add(prior);
      if (next !== prior.last_article) {
        prior.last_article = next;
        prior.last_article_branch = next === entry.last_article ? entry.last_article_branch : null;
        changed = true;
      }
    }
    if (changed) updated++;
    else unchanged++;
  }
  return { catalog: { ...existing, laws }, added, updated, unchanged, unreadable };
}
