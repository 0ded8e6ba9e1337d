// leakage: personal data, secrets and markings above the platform's clearance (機密性2), in the
// prompt (a user pasted it) or the response. Structure is checked in code (mod-11 check digit of the
// Individual Number, Luhn and brand prefixes of cards, digit boundaries); domains, labels and
// marking patterns are data (data/leakage-patterns.json). Evidence never carries a full secret.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePattern, digitsOf, maskSecret } from './text.ts';
import { type Evaluator, type EvaluatorInput, type Finding, type Flag, type Severity, dedupeFindings, toFlag } from './types.ts';

export const DEFAULT_LEAKAGE_PATTERNS_PATH = join(dirname(fileURLToPath(import.meta.url)), 'data', 'leakage-patterns.json');
const CATEGORY = 'leakage';
const CODE_VERSION = '1.4';

interface LabelledFile {
  id: string;
  severity: Severity;
  what: string;
  label: string;
  value: string;
  /** What may stand between label and value (default: up to 14 non-digits on the same line). */
  max_gap?: string;
}
interface MarkingFile {
  id: string;
  severity: Severity;
  what: string;
  pattern: string;
  /** Match case as written: "SECRET" as a heading is a marking, the word "Secret" is not. */
  case_sensitive?: boolean;
}
export interface LeakagePatternsFile {
  version: string;
  official_email_suffixes: string[];
  example_email_domains: string[];
  free_mail_domains: string[];
  role_local_parts: string[];
  placeholder_local_parts?: string[];
  labelled_numbers: LabelledFile[];
  markings: MarkingFile[];
  residence_markers: string;
  organisation_markers: string;
  person_labels: string;
  confidentiality_3_discussion: string;
  office_context_before: string;
}

export interface LeakagePack {
  version: string;
  officialSuffixes: string[];
  exampleDomains: Set<string>;
  freeMail: Set<string>;
  roleLocalParts: Set<string>;
  placeholderLocalParts: Set<string>;
  labelled: { id: string; severity: Severity; what: string; re: RegExp }[];
  markings: { id: string; severity: Severity; what: string; re: RegExp }[];
  residence: RegExp;
  organisation: RegExp;
  person: RegExp;
  confidentiality3Discussion: RegExp;
  officeBefore: RegExp;
}

const D = '[0-9０-９]';
/** A number glued to letters or path characters is an identifier (a URL path, a document id), not a person's number. */
const GLUE = '[A-Za-zＡ-Ｚａ-ｚ_/=#%&?]';
// Separators people type between digit groups, including the long-vowel marks (ー, ｰ) a Japanese IME
// gives for "-" and the dashes word processors substitute.
const SEP = '[ \\u3000\\-‐－ーｰ−–—]';

export function compileLeakagePack(file: LeakagePatternsFile, where = 'leakage patterns'): LeakagePack {
  if (!file || typeof file.version !== 'string' || !Array.isArray(file.labelled_numbers) || !Array.isArray(file.markings)) {
    throw new Error(`${where}: expected {version, labelled_numbers, markings, ...}`);
  }
  const lower = (xs: string[] | undefined) => (xs ?? []).map((x) => x.toLowerCase());
  return {
    version: file.version,
    officialSuffixes: lower(file.official_email_suffixes),
    exampleDomains: new Set(lower(file.example_email_domains)),
    freeMail: new Set(lower(file.free_mail_domains)),
    roleLocalParts: new Set(lower(file.role_local_parts)),
    placeholderLocalParts: new Set(lower(file.placeholder_local_parts)),
    // The value must stand alone: no digit glued before or after it.
    labelled: file.labelled_numbers.map((l) => ({
      id: l.id,
      severity: l.severity,
      what: l.what,
      re: compilePattern(`(?:${l.label})${l.max_gap ?? '[^0-9０-９\\n]{0,14}?'}(?<![0-9０-９A-Za-z])(?<value>${l.value})(?![0-9０-９])`, `${where} ${l.id}`, 'giu'),
    })),
    markings: file.markings.map((m) => ({ id: m.id, severity: m.severity, what: m.what, re: compilePattern(m.pattern, `${where} ${m.id}`, m.case_sensitive ? 'gmu' : 'gimu') })),
    confidentiality3Discussion: compilePattern(file.confidentiality_3_discussion, `${where} confidentiality_3_discussion`, 'iu'),
    officeBefore: compilePattern(file.office_context_before, `${where} office_context_before`, 'iu'),
    residence: compilePattern(file.residence_markers, `${where} residence_markers`, 'iu'),
    organisation: compilePattern(file.organisation_markers, `${where} organisation_markers`, 'iu'),
    person: compilePattern(
      `(?:${file.person_labels})\\s?[：:]?\\s?[\\u4E00-\\u9FFF々ァ-ヶー]{2,8}|[\\u4E00-\\u9FFF]{1,3}[者人]\\s?[：:]\\s?[\\u4E00-\\u9FFF々]{1,4}[ \\u3000]?[\\u4E00-\\u9FFF々ぁ-んァ-ヶ]{1,4}|[\\u4E00-\\u9FFF々]{1,4}[ \\u3000]?[\\u4E00-\\u9FFF々ぁ-んァ-ヶ]{1,4}[ \\u3000]?(?:さん|様|氏|殿|君)|[\\u4E00-\\u9FFF]{2,6}[（(]${D}{1,3}歳[）)]|\\b(?:Mr|Ms|Mrs|Dr)\\.?\\s[A-Z][a-z]{1,20}`,
      `${where} person`,
      'u',
    ),
  };
}

export function loadLeakagePack(path = DEFAULT_LEAKAGE_PATTERNS_PATH): LeakagePack {
  let file: LeakagePatternsFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as LeakagePatternsFile;
  } catch (err) {
    throw new Error(`cannot read the leakage patterns ${path}: ${(err as Error).message}`);
  }
  return compileLeakagePack(file, path);
}

export interface LeakageOptions {
  pack?: LeakagePack;
}

export function createLeakageEvaluator(opts: LeakageOptions = {}): Evaluator {
  const pack = opts.pack ?? loadLeakagePack();
  const evaluator: Evaluator = {
    id: 'leakage',
    version: `${CODE_VERSION}+patterns.${pack.version}`,
    evaluate(output: EvaluatorInput): Flag[] {
      const findings = [...findLeaks(pack, output.prompt ?? '', 'prompt'), ...findLeaks(pack, output.response ?? '', 'response')];
      return dedupeFindings(findings).map((f) => toFlag(evaluator, output.output_id, f));
    },
  };
  return evaluator;
}

type Where = 'prompt' | 'response';

function leak(where: Where, rule_id: string, severity: Severity, confidence: number, start: number, end: number, text: string, explanation: string): Finding {
  return { category: CATEGORY, rule_id, severity, confidence, where, start, end, text, explanation };
}

export function findLeaks(pack: LeakagePack, text: string, where: Where): Finding[] {
  if (!text) return [];
  const out: Finding[] = [];
  const hasDigits = /[0-9０-９]/.test(text);
  if (hasDigits) {
    const numeric: Finding[] = [];
    individualNumbers(text, where, numeric);
    cardNumbers(text, where, numeric);
    mobileNumbers(text, where, numeric);
    out.push(...outsideUrls(text, numeric));
    labelledNumbers(pack, text, where, out);
    residentialAddresses(pack, text, where, out);
  }
  if (text.includes('@')) emails(pack, text, where, out);
  credentials(text, where, out);
  markings(pack, text, where, out);
  return out;
}

const URL_SPAN = /https?:\/\/[^\s<>"'「」（）()]{1,2000}/g;

/** Drops number findings inside a URL: "…/txt/120222191X07020241114/51" is a document path. */
function outsideUrls(text: string, found: Finding[]): Finding[] {
  if (found.length === 0 || !text.includes('http')) return found;
  const spans: [number, number][] = [];
  URL_SPAN.lastIndex = 0;
  for (let m = URL_SPAN.exec(text); m; m = URL_SPAN.exec(text)) spans.push([m.index, m.index + m[0].length]);
  return found.filter((f) => !spans.some(([a, b]) => f.start >= a && f.end <= b));
}

// ---------------------------------------------------------------------------------------------
// Individual Number: 12 digits whose last digit is the mod-11 check digit.

const INDIVIDUAL_NUMBER = new RegExp(`(?<!${D}${SEP}?|${GLUE})${D}{4}${SEP}?${D}{4}${SEP}?${D}{4}(?!${SEP}?${D}|${GLUE})`, 'g');

export function isValidIndividualNumber(digits: string): boolean {
  if (!/^\d{12}$/.test(digits)) return false;
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(digits[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  const check = r <= 1 ? 0 : 11 - r;
  return check === Number(digits[11]);
}

function individualNumbers(text: string, where: Where, out: Finding[]): void {
  INDIVIDUAL_NUMBER.lastIndex = 0;
  for (let m = INDIVIDUAL_NUMBER.exec(text); m; m = INDIVIDUAL_NUMBER.exec(text)) {
    const digits = digitsOf(m[0]);
    if (!isValidIndividualNumber(digits)) continue;
    if (/(法人番号|corporate number)[^0-9０-９]{0,10}$/i.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    out.push(leak(where, 'individual_number', 'high', 0.9, m.index, m.index + m[0].length, maskSecret(digits),
      `12-digit number with a valid Individual Number (マイナンバー) check digit (${maskSecret(digits)})`));
  }
}

// ---------------------------------------------------------------------------------------------
// Payment cards: 13-19 digits, Luhn, and a known brand prefix. Masked numbers contain no run of digits.

const CARD = new RegExp(`(?<!${D}${SEP}?|${GLUE})${D}(?:${SEP}?${D}){12,18}(?!${SEP}?${D}|${GLUE})`, 'g');

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The card brand for a number, by its IIN prefix and length; null when no brand uses it. */
export function cardBrand(d: string): string | null {
  const len = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4' && (len === 13 || len === 16 || len === 19)) return 'Visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && len === 16) return 'Mastercard';
  if ((p2 === 34 || p2 === 37) && len === 15) return 'American Express';
  if (p4 >= 3528 && p4 <= 3589 && len >= 16 && len <= 19) return 'JCB';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) && len >= 14 && len <= 19) return 'Diners Club';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && len >= 16 && len <= 19) return 'Discover';
  if (p2 === 62 && len >= 16 && len <= 19) return 'UnionPay';
  return null;
}

// A number shown as an example or a test number ("test card numbers like 4242 …") belongs to nobody.
const TEST_CARD_CONTEXT = /(例|テスト|サンプル|ダミー|\b(?:e\.g\.|example|test|sandbox|dummy|sample)\b)[^0-9０-９]{0,24}$/i;

function cardNumbers(text: string, where: Where, out: Finding[]): void {
  CARD.lastIndex = 0;
  for (let m = CARD.exec(text); m; m = CARD.exec(text)) {
    const digits = digitsOf(m[0]);
    const brand = cardBrand(digits);
    if (!brand || !luhnValid(digits)) continue;
    if (TEST_CARD_CONTEXT.test(text.slice(Math.max(0, m.index - 40), m.index))) continue;
    if (/(法人番号|corporate number)[^0-9０-９]{0,10}$/i.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    out.push(leak(where, 'payment_card_number', 'high', 0.93, m.index, m.index + m[0].length, maskSecret(digits),
      `${brand} card number passing the Luhn check (${maskSecret(digits)})`));
  }
}

// ---------------------------------------------------------------------------------------------
// Personal mobiles (070/080/090). Landlines and switchboards (03-…, 0120-…, 050-…) are not personal.

// Phone numbers are also written with dots (090.1234.5678); other numbers keep SEP.
const PHONE_SEP = '[ \\u3000\\-‐－ーｰ−–—.．]';
const MOBILE = new RegExp(
  `(?<!${D}|${D}${PHONE_SEP}|[+＋]|${GLUE})(?:[+＋]81${PHONE_SEP}?(?:[(（]0[)）])?[789７８９]0|0[789]0|０[７８９]０)${PHONE_SEP}?[)）]?${PHONE_SEP}?${D}{4}${PHONE_SEP}?${D}{4}(?!${PHONE_SEP}?${D}|${GLUE})`,
  'g',
);

function mobileNumbers(text: string, where: Where, out: Finding[]): void {
  MOBILE.lastIndex = 0;
  for (let m = MOBILE.exec(text); m; m = MOBILE.exec(text)) {
    const before = text.slice(Math.max(0, m.index - 10), m.index);
    if (/(例|e\.g\.|example|サンプル|ダミー)[\s：:（(]*$/i.test(before)) continue; // a documented example format
    const digits = digitsOf(m[0]);
    if (/(\d)\1{7}$/.test(digits)) continue; // 090-0000-0000: a placeholder
    out.push(leak(where, 'personal_mobile_number', 'medium', 0.85, m.index, m.index + m[0].length, maskSecret(digits),
      `personal mobile phone number (${maskSecret(digits)})`));
  }
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses: government domains are official contacts; role accounts at organisations are not personal.

const EMAIL = /(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9\-])/g;

function emails(pack: LeakagePack, text: string, where: Where, out: Finding[]): void {
  EMAIL.lastIndex = 0;
  for (let m = EMAIL.exec(text); m; m = EMAIL.exec(text)) {
    // "git@github.com:org/repo.git" is an SSH remote (user@host:path), not a mailbox.
    if (text[m.index + m[0].length] === ':' && /[\w~./]/.test(text[m.index + m[0].length + 1] ?? '')) continue;
    const [local, domainRaw] = m[0].split('@');
    const domain = domainRaw.toLowerCase();
    if (pack.officialSuffixes.some((s) => domain === s || domain.endsWith(`.${s}`))) continue;
    if (pack.exampleDomains.has(domain) || /(^|\.)example\./.test(domain) || domain.endsWith('.example') || domain.endsWith('.test') || domain.endsWith('.invalid')) continue;
    if (pack.placeholderLocalParts.has(local.toLowerCase())) continue; // "user@gmail.com" shows a format
    const freeMail = pack.freeMail.has(domain);
    if (!freeMail && pack.roleLocalParts.has(local.toLowerCase().replace(/[.\-_]?\d+$/, ''))) continue;
    const masked = `${local.slice(0, 1)}****@${domain}`;
    out.push(leak(where, 'personal_email', 'medium', freeMail ? 0.9 : 0.75, m.index, m.index + m[0].length, masked,
      `personal e-mail address (${masked})${freeMail ? ' at a public webmail domain' : ''}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Passport, licence, bank and postal-bank numbers: only with their label nearby.

function labelledNumbers(pack: LeakagePack, text: string, where: Where, out: Finding[]): void {
  for (const l of pack.labelled) {
    l.re.lastIndex = 0;
    for (let m = l.re.exec(text); m; m = l.re.exec(text)) {
      const value = m.groups!.value;
      const start = m.index + m[0].length - value.length;
      const compact = value.replace(/[^0-9０-９A-Za-z]/g, '');
      out.push(leak(where, l.id, l.severity, 0.88, start, start + value.length, maskSecret(compact),
        `${l.what} in its labelled context (${maskSecret(compact)})`));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A named person together with a residential street address (丁目・番地・号).

const KNUM = '[0-9０-９一二三四五六七八九十百]';
const ADDRESS = new RegExp(
  `[\\u4E00-\\u9FFFヶ]{1,6}[都道府県市区町村郡][^\\s、。，,（）()「」]{0,16}?(?:${KNUM}{1,4}丁目${KNUM}{1,4}(?:番地?|[-‐－の])(?:${KNUM}{1,4}号?)?|${KNUM}{1,5}番地(?:${D}{1,4})?|${D}{1,4}番${D}{1,4}号|${D}{1,4}[-‐－]${D}{1,4}[-‐－]${D}{1,4})`,
  'gu',
);

// Romanised Japanese addresses: "3-15-8 Asagaya-minami, Suginami-ku".
const ADDRESS_EN = /\b\d{1,4}-\d{1,4}(?:-\d{1,4})?,?\s[A-Z][a-z]{1,20}(?:[- ][A-Za-z]{1,20}){0,3},\s[A-Z][a-z]{1,20}-(?:ku|shi|cho|machi|mura|gun)\b/g;

function residentialAddresses(pack: LeakagePack, text: string, where: Where, out: Finding[]): void {
  if (!/丁目|番地|番|[-‐－]/.test(text)) return;
  for (const re of [ADDRESS, ADDRESS_EN]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) residentialAddress(pack, text, where, m, out);
  }
}

function residentialAddress(pack: LeakagePack, text: string, where: Where, m: RegExpExecArray, out: Finding[]): void {
  const start = m.index;
  const end = start + m[0].length;
  const around = text.slice(Math.max(0, start - 60), Math.min(text.length, end + 20));
  if (!pack.person.test(around)) return;
  const residence = pack.residence.test(around);
  // An office address with a contact name ("所在地：…", "…1番1号 中央合同庁舎") is not a home address.
  if (!residence && (pack.organisation.test(text.slice(end, end + 24)) || pack.officeBefore.test(text.slice(Math.max(0, start - 16), start)))) return;
  const cut = m[0].search(/[0-9０-９一二三四五六七八九十百]/);
  const masked = cut === 0 ? `****${m[0].slice(m[0].indexOf(' '))}` : `${m[0].slice(0, Math.max(0, cut))}****`;
  out.push(leak(where, 'name_with_residential_address', 'high', 0.8, start, end, masked, `a named person with a residential street address (${masked})`));
}

// ---------------------------------------------------------------------------------------------
// Credentials. A format described without a real value ("sk-…", "AKIAXXXXXXXXXXXXXXXX") is fine.

const CREDENTIALS: { id: string; what: string; re: RegExp }[] = [
  { id: 'cloud_access_key', what: 'cloud access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { id: 'source_host_token', what: 'source-host access token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{40,255})\b/g },
  { id: 'chat_bot_token', what: 'chat bot token', re: /\bxox[abposr]-[0-9A-Za-z\-]{10,250}/g },
  { id: 'api_secret_key', what: 'API secret key', re: /(?<![A-Za-z0-9_\-])sk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_\-]{20,250}/g },
];
const PLACEHOLDER = /x{4,}|\*{3,}|\.{3}|<|>|your|example|dummy|sample|placeholder|redacted|0{8,}|(.)\1{7,}/i;
const PRIVATE_KEY_HEADER = /-----BEGIN (?:[A-Z0-9]{1,12} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

/** A real secret mixes character classes; a placeholder repeats one. */
function looksReal(value: string): boolean {
  if (PLACEHOLDER.test(value)) return false;
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/].filter((re) => re.test(value)).length;
  return classes >= 2 && new Set(value).size >= 8;
}

function credentials(text: string, where: Where, out: Finding[]): void {
  if (!/AKIA|ASIA|gh[pousr]_|github_pat_|xox|sk-|PRIVATE KEY/.test(text)) return;
  for (const c of CREDENTIALS) {
    c.re.lastIndex = 0;
    for (let m = c.re.exec(text); m; m = c.re.exec(text)) {
      const body = m[0].replace(/^(AKIA|ASIA|gh[pousr]_|github_pat_|xox[abposr]-|sk-(proj-|ant-|live-|test-)?)/, '');
      if (!looksReal(body)) continue;
      out.push(leak(where, c.id, 'critical', 0.95, m.index, m.index + m[0].length, maskSecret(m[0]),
        `${c.what} (${maskSecret(m[0])})`));
    }
  }
  PRIVATE_KEY_HEADER.lastIndex = 0;
  for (let m = PRIVATE_KEY_HEADER.exec(text); m; m = PRIVATE_KEY_HEADER.exec(text)) {
    // The body runs to the END line (or the next dashes), at most 4,000 characters.
    const headerEnd = m.index + m[0].length;
    const next = text.indexOf('-----', headerEnd);
    const body = text.slice(headerEnd, Math.min(next < 0 ? text.length : next, headerEnd + 4000));
    const runs = body.match(/[A-Za-z0-9+/=]{16,}/g) ?? [];
    if (!runs.some(looksReal)) continue;
    out.push(leak(where, 'private_key_block', 'critical', 0.97, m.index, headerEnd, m[0], 'private key block with key material'));
  }
}

// ---------------------------------------------------------------------------------------------
// Markings above the clearance (機密性3, 秘, 極秘, 特定秘密 as a marking, not as a topic).

function markings(pack: LeakagePack, text: string, where: Where, out: Finding[]): void {
  if (!/機密性|秘|㊙|SECRET|confidentiality/i.test(text)) return;
  const marked: Finding[] = [];
  for (const mk of pack.markings) {
    mk.re.lastIndex = 0;
    for (let m = mk.re.exec(text); m; m = mk.re.exec(text)) {
      if (m[0].length === 0) {
        mk.re.lastIndex++;
        continue;
      }
      const label = m[0].trim().slice(0, 40);
      const start = m.index + m[0].indexOf(label);
      marked.push(leak(where, mk.id, mk.severity, 0.9, start, start + label.length, label,
        `content marked ${mk.what.replace(/ marking$/, '')}, above the platform's clearance (機密性2)`));
    }
  }
  // 機密性3 outside a bracket or heading: still a marking of the content ("機密性3情報（要保機）を含む。")
  // unless the sentence talks about the classification rules ("機密性3以上の情報は入力しないでください").
  CONFIDENTIALITY_3.lastIndex = 0;
  for (let m = CONFIDENTIALITY_3.exec(text); m; m = CONFIDENTIALITY_3.exec(text)) {
    const at = m.index;
    if (marked.some((f) => at >= f.start - 2 && at < f.end)) continue;
    const from = Math.max(0, text.lastIndexOf('。', at) + 1, text.lastIndexOf('\n', at) + 1, at - 80);
    let to = text.slice(at, at + 80).search(/[。\n]/);
    to = to < 0 ? Math.min(text.length, at + 80) : at + to;
    if (pack.confidentiality3Discussion.test(text.slice(from, to))) continue;
    marked.push(leak(where, 'marking_confidentiality_3', 'high', 0.75, at, at + m[0].length, m[0],
      "content marked 機密性3, above the platform's clearance (機密性2)"));
  }
  out.push(...marked);
}

const CONFIDENTIALITY_3 = /機密性\s?[3３三](?:情報)?/g;
