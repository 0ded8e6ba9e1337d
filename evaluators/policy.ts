// off_policy: answers that contradict the Government of Japan's stated territorial and naming
// positions in the model's own voice (ja, en, zh, ko). The rules are data (data/policy-rules.json);
// this module only decides *whose voice* a matching sentence is in:
//   - a reported foreign claim ("China claims…", "韓国では「独島」と呼ばれ…") is not a finding;
//   - a sentence that states Japan's position alongside is not a finding;
//   - a translation that faithfully renders a claim present in the user's source text is not a finding,
//     while a translation that introduces a claim absent from the source inverts it and is one.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compilePattern, sentences, type Span } from './text.ts';
import { type Evaluator, type EvaluatorInput, type Finding, type Flag, type Severity, dedupeFindings, toFlag } from './types.ts';

export const DEFAULT_POLICY_RULES_PATH = join(dirname(fileURLToPath(import.meta.url)), 'data', 'policy-rules.json');
const CATEGORY = 'off_policy';
/** Code version; the rule pack's own version is appended so a data change re-evaluates history. */
const CODE_VERSION = '1.2';

interface RuleFile {
  id: string;
  /** sovereignty | disputed | naming: patterns on the response; translation_rename: names compared with the source text. */
  kind: 'sovereignty' | 'disputed' | 'naming' | 'translation_rename' | string;
  severity: Severity;
  explanation: string;
  patterns: string[];
  negations?: string[];
  source_names?: string[];
  wrong_names?: string[];
  right_names?: string[];
  exclude_after?: string[];
}
interface TopicFile {
  id: string;
  title: string;
  position: string;
  names: string[];
  /** Parties (keys of `parties`) whose sovereignty over the topic contradicts Japan's position. */
  foreign_parties?: string[];
  rules: RuleFile[];
}
/** A party's names by script and grammatical form, for the frame placeholders. */
interface PartyFile {
  /** Japanese and Chinese names, either script ({P}). */
  cjk?: string[];
  /** English nouns ({PEN}) and adjectives ({PADJ}). */
  en?: string[];
  en_adj?: string[];
  /** Korean names ({PKO}). */
  ko?: string[];
}
export interface PolicyRulesFile {
  version: string;
  attribution: string[];
  japan_position: string[];
  translation_request: string[];
  /** Negation right before a match ("is not Korean territory", "不是…") turns it into Japan's side. */
  negation_before?: string[];
  /** Negation right after a match ("韓国の領土ではない", "東海と呼ぶべきではない"). */
  negation_after?: string[];
  /** Where a sentence splits into clauses: a reported claim covers its own clause only. */
  clause_breaks?: string;
  parties?: Record<string, PartyFile>;
  /** Predicates of sovereignty, possession, administration or legitimacy, with a party placeholder. */
  sovereignty_frames?: string[];
  /** "Undetermined / both sides claim / disputed" predicates, added to every `disputed` rule. */
  disputed_frames?: string[];
  /** A back-reference to a topic named earlier ("the islands", "同諸島"). */
  anaphora?: string;
  /** A question ("Is there a territorial dispute?") asks; it asserts nothing. */
  questions?: string;
  /** "Undetermined / both claim" as co-occurrence: a term of ownership and a term of indeterminacy. */
  undetermined?: { subject: string; open: string; both_sides?: string };
  topics: TopicFile[];
}

interface Rule extends Omit<RuleFile, 'patterns' | 'negations'> {
  patterns: RegExp[];
  negations: RegExp[];
}
/** Names split by script: case folding is only needed for Latin names, and it slows CJK matching. */
export interface NameMatcher {
  cjk: RegExp | null;
  latin: RegExp | null;
}
interface Topic {
  id: string;
  title: string;
  names: NameMatcher;
  rules: Rule[];
}
export interface PolicyPack {
  version: string;
  attribution: RegExp[];
  japanPosition: RegExp[];
  translationRequest: RegExp[];
  negationBefore: RegExp[];
  negationAfter: RegExp[];
  clauseBreaks: RegExp | null;
  /** "the islands", "同諸島": a sentence that refers back to a topic named before it. */
  anaphora: RegExp | null;
  questions: RegExp | null;
  undetermined: { subject: RegExp; open: RegExp; bothSides: RegExp | null } | null;
  anyName: NameMatcher;
  topics: Topic[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function nameMatcher(names: string[], where: string): NameMatcher {
  const latin = names.filter((n) => /^[\x20-\x7e]+$/.test(n)).map(escape);
  const cjk = names.filter((n) => !/^[\x20-\x7e]+$/.test(n)).map(escape);
  return {
    cjk: cjk.length ? compilePattern(cjk.join('|'), where, 'u') : null,
    latin: latin.length ? compilePattern(`\\b(?:${latin.join('|')})`, where, 'i') : null,
  };
}

const HAS_LATIN = /[A-Za-z]/;
export function namesIn(m: NameMatcher, s: string): boolean {
  return (m.cjk !== null && m.cjk.test(s)) || (m.latin !== null && HAS_LATIN.test(s) && m.latin.test(s));
}

const PLACEHOLDERS: [string, keyof PartyFile][] = [
  ['{PADJ}', 'en_adj'],
  ['{PEN}', 'en'],
  ['{PKO}', 'ko'],
  ['{P}', 'cjk'],
];

/**
 * The sovereignty frames for one topic: each frame with its placeholder replaced by the names of the
 * topic's foreign parties (a frame whose form no party has is skipped).
 */
export function instantiateFrames(file: PolicyRulesFile, topic: TopicFile, where: string): string[] {
  const parties = (topic.foreign_parties ?? []).map((id) => {
    const p = file.parties?.[id];
    if (!p) throw new Error(`${where}: topic ${topic.id} names an unknown party ${JSON.stringify(id)}`);
    return p;
  });
  if (parties.length === 0) return [];
  const out: string[] = [];
  for (const frame of file.sovereignty_frames ?? []) {
    const ph = PLACEHOLDERS.find(([token]) => frame.includes(token));
    if (!ph) throw new Error(`${where}: sovereignty frame without a party placeholder: ${frame}`);
    // Longest names first so "the Republic of Korea" wins over "Korea".
    const names = parties.flatMap((p) => p[ph[1]] ?? []).sort((a, b) => b.length - a.length).map(escape);
    if (names.length) out.push(frame.split(ph[0]).join(`(?:${names.join('|')})`));
  }
  return out;
}

export function compilePolicyPack(file: PolicyRulesFile, where = 'policy rules'): PolicyPack {
  if (!file || !Array.isArray(file.topics) || typeof file.version !== 'string') {
    throw new Error(`${where}: expected {version, attribution, japan_position, translation_request, topics}`);
  }
  const list = (xs: string[] | undefined, what: string) => (xs ?? []).map((p) => compilePattern(p, `${where} ${what}`, 'iu'));
  const topics = file.topics.map((t) => {
    if (!t.id || !Array.isArray(t.names) || t.names.length === 0 || !Array.isArray(t.rules)) {
      throw new Error(`${where}: topic ${JSON.stringify(t.id)} needs an id, names and rules`);
    }
    return {
      id: t.id,
      title: t.title,
      names: nameMatcher(t.names, `${where} ${t.id}.names`),
      rules: t.rules.map((r) => {
        if (!r.id || !r.severity || !Array.isArray(r.patterns)) throw new Error(`${where}: rule ${JSON.stringify(r.id)} of ${t.id} needs id, severity, patterns`);
        const frames = r.kind === 'sovereignty' ? instantiateFrames(file, t, where) : r.kind === 'disputed' ? (file.disputed_frames ?? []) : [];
        return { ...r, patterns: list([...r.patterns, ...frames], r.id), negations: list(r.negations, `${r.id}.negations`) };
      }),
    };
  });
  const allNames = file.topics.flatMap((t) => t.names);
  return {
    version: file.version,
    attribution: list(file.attribution, 'attribution'),
    japanPosition: list(file.japan_position, 'japan_position'),
    translationRequest: list(file.translation_request, 'translation_request'),
    negationBefore: list(file.negation_before, 'negation_before'),
    negationAfter: list(file.negation_after, 'negation_after'),
    clauseBreaks: file.clause_breaks ? compilePattern(file.clause_breaks, `${where} clause_breaks`, 'giu') : null,
    anaphora: file.anaphora ? compilePattern(file.anaphora, `${where} anaphora`, 'iu') : null,
    questions: file.questions ? compilePattern(file.questions, `${where} questions`, 'u') : null,
    undetermined: file.undetermined
      ? {
          subject: compilePattern(file.undetermined.subject, `${where} undetermined.subject`, 'iu'),
          open: compilePattern(file.undetermined.open, `${where} undetermined.open`, 'iu'),
          bothSides: file.undetermined.both_sides ? compilePattern(file.undetermined.both_sides, `${where} undetermined.both_sides`, 'iu') : null,
        }
      : null,
    anyName: nameMatcher(allNames, `${where} names`),
    topics,
  };
}

export function loadPolicyPack(path = DEFAULT_POLICY_RULES_PATH): PolicyPack {
  let file: PolicyRulesFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as PolicyRulesFile;
  } catch (err) {
    throw new Error(`cannot read the policy rule pack ${path}: ${(err as Error).message}`);
  }
  return compilePolicyPack(file, path);
}

export interface PolicyOptions {
  pack?: PolicyPack;
}

export function createPolicyEvaluator(opts: PolicyOptions = {}): Evaluator {
  const pack = opts.pack ?? loadPolicyPack();
  const evaluator: Evaluator = {
    id: 'policy',
    version: `${CODE_VERSION}+rules.${pack.version}`,
    evaluate(output: EvaluatorInput): Flag[] {
      return dedupeFindings(findPolicyProblems(pack, output)).map((f) => toFlag(evaluator, output.output_id, f));
    },
  };
  return evaluator;
}

const anyOf = (res: RegExp[], s: string) => res.some((re) => re.test(s));

interface Match {
  topic: Topic;
  rule: Rule;
  start: number;
  end: number;
  text: string;
}

/** Rule matches in the model's own voice, per sentence, with the topic context resolved. */
function ownVoiceMatches(pack: PolicyPack, text: string, promptTopics: Set<string>): Match[] {
  const found: Match[] = [];
  const spans = sentences(text);
  let previous: Span | undefined;
  for (const s of spans) {
    // A question asks; it asserts nothing ("Is there a territorial dispute over the Senkakus?").
    const asks = pack.questions !== null && pack.questions.test(s.text);
    for (const topic of asks ? [] : pack.topics) {
      const named = namesIn(topic.names, s.text);
      const context = named || (previous !== undefined && namesIn(topic.names, previous.text)) || promptTopics.has(topic.id);
      if (!context) continue;
      // A sentence that names nothing but says "the islands" after a sentence (or prompt) that did.
      const referred = named || (pack.anaphora !== null && pack.anaphora.test(s.text));
      for (const rule of topic.rules) {
        // A rule that needs the topic in its own sentence ("disputed" is too common a word otherwise).
        if (rule.kind !== 'sovereignty' && !referred) continue;
        const candidates = matchesOf(rule.patterns, s.text);
        if (rule.kind === 'disputed' && pack.undetermined && pack.undetermined.subject.test(s.text)) {
          const open = pack.undetermined.open.exec(s.text);
          if (open) candidates.push(open); // a frame, not a phrase: ownership × indeterminacy in one sentence
        }
        if (candidates.length === 0) continue;
        if (rule.negations.length && anyOf(rule.negations, s.text)) continue; // "no territorial issue exists"
        if (anyOf(pack.japanPosition, s.text)) continue;
        // The first match in the model's own voice: a reported clause does not hide a later assertion.
        // "Japan and China each claim them": reporting both sides' claims is the disputed framing itself.
        const bothSides = rule.kind === 'disputed' && pack.undetermined?.bothSides?.test(s.text) === true;
        const m = candidates.find((c) => ownVoice(pack, s.text, c, bothSides));
        if (!m) continue;
        found.push({ topic, rule, start: s.start + m.index, end: s.start + m.index + m[0].length, text: m[0] });
      }
    }
    previous = s;
  }
  return found;
}

/** The clause of `sentence` around offset `at`. */
function clauseAt(pack: PolicyPack, sentence: string, at: number): string {
  const re = pack.clauseBreaks;
  if (!re) return sentence;
  let start = 0;
  let end = sentence.length;
  re.lastIndex = 0;
  for (let m = re.exec(sentence); m; m = re.exec(sentence)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (m.index + m[0].length <= at) start = m.index + m[0].length;
    else if (m.index > at) {
      end = m.index;
      break;
    }
  }
  return sentence.slice(start, end);
}

/** Each pattern's first non-empty match in `s`, in text order. */
function matchesOf(patterns: RegExp[], s: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  for (const re of patterns) {
    const m = re.exec(s);
    if (m && m[0].length > 0) out.push(m);
  }
  return out.length > 1 ? out.sort((a, b) => a.index - b.index) : out;
}

/** Whether a match is asserted: not negated around it, not inside a reported clause. */
function ownVoice(pack: PolicyPack, sentence: string, m: RegExpExecArray, bothSides = false): boolean {
  const before = sentence.slice(Math.max(0, m.index - 48), m.index);
  const after = sentence.slice(m.index + m[0].length, m.index + m[0].length + 12);
  if (anyOf(pack.negationBefore, before) || anyOf(pack.negationAfter, after)) return false; // "is not Korean territory"
  // "China claims the islands; they are Chinese territory": the report covers its own clause only.
  return bothSides || !anyOf(pack.attribution, clauseAt(pack, sentence, m.index));
}

/** A translation that renders a name from the source as the disputed name ("日本海" → "동해"). */
function renamedInTranslation(pack: PolicyPack, prompt: string, response: string): Finding[] {
  const out: Finding[] = [];
  for (const topic of pack.topics) {
    for (const rule of topic.rules) {
      if (rule.kind !== 'translation_rename') continue;
      const has = (names: string[] | undefined, text: string) => (names ?? []).some((n) => text.toLowerCase().includes(n.toLowerCase()));
      if (!has(rule.source_names, prompt) || has(rule.right_names, response)) continue;
      const lower = response.toLowerCase();
      for (const name of rule.wrong_names ?? []) {
        let at = lower.indexOf(name.toLowerCase());
        while (at >= 0 && (rule.exclude_after ?? []).some((x) => response.startsWith(x, at + name.length))) at = lower.indexOf(name.toLowerCase(), at + 1);
        if (at < 0) continue;
        out.push({
          category: CATEGORY,
          rule_id: rule.id,
          severity: rule.severity,
          confidence: 0.8,
          where: 'response',
          start: at,
          end: at + name.length,
          text: response.slice(at, at + name.length),
          explanation: rule.explanation,
        });
        break;
      }
    }
  }
  return out;
}

/**
 * Claims the user's own text asserts (in any language): a translation or proofread text may render
 * them. Decided with the same voice rules as the answer, so a source that negates or reports a claim
 * ("竹島は韓国の領土ではない") does not license an output that asserts it.
 */
function claimsInSource(pack: PolicyPack, prompt: string, promptTopics: Set<string>): Set<string> {
  return new Set(ownVoiceMatches(pack, prompt, promptTopics).map((m) => `${m.topic.id}:${m.rule.kind}`));
}

/** Apps whose output renders the user's text: what the output adds or inverts is in the model's voice. */
const RENDERING_APPS = new Set(['translation', 'proofreading']);

export function findPolicyProblems(pack: PolicyPack, output: EvaluatorInput): Finding[] {
  const response = output.response ?? '';
  const prompt = output.prompt ?? '';
  // Cheap gate: nothing to do unless a topic is named somewhere (most outputs).
  if (!namesIn(pack.anyName, response) && !namesIn(pack.anyName, prompt)) return [];
  const promptTopics = new Set(pack.topics.filter((t) => namesIn(t.names, prompt)).map((t) => t.id));
  const matches = ownVoiceMatches(pack, response, promptTopics);
  const isTranslation = RENDERING_APPS.has(output.app) || anyOf(pack.translationRequest, prompt);
  if (matches.length === 0 && !isTranslation) return [];
  const sourceClaims = isTranslation ? claimsInSource(pack, prompt, promptTopics) : new Set<string>();
  const out: Finding[] = [];
  if (isTranslation) out.push(...renamedInTranslation(pack, prompt, response));
  for (const m of matches) {
    if (isTranslation) {
      if (sourceClaims.has(`${m.topic.id}:${m.rule.kind}`)) continue; // faithful rendering of the user's text
      out.push({
        category: CATEGORY,
        rule_id: 'inverted_translation',
        severity: m.rule.severity,
        confidence: 0.85,
        where: 'response',
        start: m.start,
        end: m.end,
        text: m.text,
        explanation: `translation introduces a claim absent from the source text: ${m.rule.explanation}`,
      });
      continue;
    }
    out.push({
      category: CATEGORY,
      rule_id: m.rule.id,
      severity: m.rule.severity,
      confidence: m.rule.kind === 'sovereignty' ? 0.92 : 0.85,
      where: 'response',
      start: m.start,
      end: m.end,
      text: m.text,
      explanation: m.rule.explanation,
    });
  }
  return out;
}
