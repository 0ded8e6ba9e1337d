import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_SCHEMAS, type OutputEvent, type UsageEvent } from '../../../contracts/index.ts';
import {
  Simulation, createFileSink, dayKind, keyOf, runSimulation, simulateEvents, type PlantRecord, type SimEvent, type SimulationOptions,
} from '../../../pipelines/simulate/index.ts';
import { LAWS } from '../../../pipelines/simulate/content/laws.ts';
import { resolveWindow } from '../../../cli/commands/simulate.ts';

const SMALL: SimulationOptions = { seed: 'unit', start: '2026-10-05', days: 14, scale: 0.03, ministries: ['mof', 'moj', 'da', 'mofa'] };

function collect(opts: SimulationOptions): { events: SimEvent[]; sim: Simulation; plants: PlantRecord[] } {
  const plants: PlantRecord[] = [];
  const sim = new Simulation({ ...opts, onPlant: (r) => plants.push(r) });
  return { events: [...sim.events()], sim, plants };
}

/** Hashes a stream without holding it: determinism is checked on every byte. */
function digest(events: Iterable<SimEvent>): { hash: string; count: number } {
  const h = createHash('sha256');
  let count = 0;
  for (const e of events) {
    h.update(e.kind + JSON.stringify(e.event) + '\n');
    count++;
  }
  return { hash: h.digest('hex'), count };
}

const JST = 9 * 3_600_000;
const jstHour = (iso: string) => new Date(Date.parse(iso) + JST).getUTCHours();
const jstDate = (iso: string) => new Date(Date.parse(iso) + JST).toISOString().slice(0, 10);

describe('simulate: determinism and contracts', () => {
  it('the same seed gives byte-identical output, another seed does not', async () => {
    const simA = new Simulation(SMALL);
    const simB = new Simulation(SMALL);
    const a = digest(simA.events());
    const b = digest(simB.events());
    expect(a.count).toBeGreaterThan(50_000);
    expect(b).toEqual(a);
    expect(digest(new Simulation({ ...SMALL, seed: 'other' }).events()).hash).not.toBe(a.hash);
    expect(simA.truth.summary()).toEqual(simB.truth.summary());
    // the async API produces the same stream
    const h = createHash('sha256');
    for await (const e of simulateEvents(SMALL)) h.update(e.kind + JSON.stringify(e.event) + '\n');
    expect(h.digest('hex')).toBe(a.hash);
  }, 120_000);

  it('every event validates against the zod contracts and links to its request', () => {
    const sim = new Simulation(SMALL);
    const requests = new Map<string, UsageEvent>();
    const outputs = new Set<string>();
    const eventIds = new Set<string>();
    const seen = { usage: 0, outputs: 0, feedback: 0 };
    for (const e of sim.events()) {
      seen[e.kind]++;
      const parsed = EVENT_SCHEMAS[e.kind].safeParse(e.event);
      if (!parsed.success) throw new Error(`${e.kind} invalid: ${parsed.error.message}\n${JSON.stringify(e.event)}`);
      if (e.kind === 'usage') {
        requests.set(e.event.request_id, e.event);
        eventIds.add(e.event.event_id);
      }
      if (e.kind === 'outputs') {
        const u = requests.get(e.event.request_id);
        expect(u, 'output follows its usage event').toBeDefined();
        expect([u!.user_id, u!.ministry, u!.app, u!.model]).toEqual([e.event.user_id, e.event.ministry, e.event.app, e.event.model]);
        expect(['ok', 'refused']).toContain(u!.status);
        outputs.add(e.event.output_id);
      }
      if (e.kind === 'feedback') expect(outputs.has(e.event.output_id)).toBe(true);
    }
    const t = sim.truth.summary().events;
    expect(seen).toEqual(t);
    // ids are unique
    expect(eventIds.size).toBe(t.usage);
    expect(requests.size).toBe(t.usage);
    expect(outputs.size).toBe(t.outputs);
  }, 120_000);

  it('keys messages by user_id (usage) and output_id (outputs, feedback)', () => {
    const { events } = collect({ ...SMALL, days: 2 });
    for (const e of events.slice(0, 500)) {
      expect(keyOf(e)).toBe(e.kind === 'usage' ? e.event.user_id : e.event.output_id);
    }
  });

  it('rejects bad options with a clear message', () => {
    expect(() => new Simulation({ ...SMALL, start: '2026-13-40' })).toThrow(/start must be a date/);
    expect(() => new Simulation({ ...SMALL, ministries: ['nope'] })).toThrow(/unknown ministry code "nope"/);
    expect(() => new Simulation({ ...SMALL, rates: { no_such_plant: 0.1 } })).toThrow(/unknown plant/);
    expect(() => new Simulation({ ...SMALL, rates: { law_number_mismatch: 0.95 } })).toThrow(/add up to/);
    expect(() => new Simulation({ ...SMALL, scale: 0 })).toThrow(/scale/);
  });
});

describe('simulate: traffic shape', () => {
  // Only usage events are kept: holding every output of a month would dwarf what is being measured.
  const month = { sim: new Simulation({ seed: 'shape', start: '2026-10-05', days: 28, scale: 0.03 }) };
  const usage: UsageEvent[] = [];
  for (const e of month.sim.events()) if (e.kind === 'usage') usage.push(e.event);

  it('adoption ramps up: more distinct users in the last week than in the first', () => {
    const week = (from: string, to: string) => new Set(usage.filter((u) => jstDate(u.occurred_at) >= from && jstDate(u.occurred_at) <= to).map((u) => u.user_id)).size;
    const first = week('2026-10-05', '2026-10-11');
    const last = week('2026-10-26', '2026-11-01');
    expect(last / first).toBeGreaterThan(1.4);
    // and never more users than the simulated population
    const population = month.sim.populations.reduce((s, p) => s + p.population, 0);
    expect(new Set(usage.map((u) => u.user_id)).size).toBeLessThanOrEqual(population);
  });

  it('follows office hours in JST and quiet weekends', () => {
    const perDay = new Map<string, number>();
    for (const u of usage) perDay.set(jstDate(u.occurred_at), (perDay.get(jstDate(u.occurred_at)) ?? 0) + 1);
    const avg = (kind: string) => {
      const days = [...perDay].filter(([d]) => dayKind(d) === kind);
      return days.reduce((s, [, n]) => s + n, 0) / days.length;
    };
    expect(avg('weekend') / avg('weekday')).toBeLessThan(0.12);
    const weekday = usage.filter((u) => dayKind(jstDate(u.occurred_at)) === 'weekday');
    const office = weekday.filter((u) => jstHour(u.occurred_at) >= 9 && jstHour(u.occurred_at) < 18).length;
    expect(office / weekday.length).toBeGreaterThan(0.75);
    const night = weekday.filter((u) => jstHour(u.occurred_at) < 6).length;
    expect(night / weekday.length).toBeLessThan(0.01);
    // the lunch dip: noon is quieter than 10:00
    const at = (h: number) => weekday.filter((u) => jstHour(u.occurred_at) === h).length;
    expect(at(12)).toBeLessThan(at(10) * 0.6);
  });

  it('mixes apps and models with different latency and error profiles', () => {
    const byModel = new Map<string, UsageEvent[]>();
    for (const u of usage) {
      if (!byModel.has(u.model)) byModel.set(u.model, []);
      byModel.get(u.model)!.push(u);
    }
    expect([...byModel.keys()].sort()).toEqual(['cotomi-v3', 'llm-jp-3-172b', 'plamo-2-prime', 'tinyswallow-1.5b', 'tsuzumi-2']);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const lat = (m: string) => median(byModel.get(m)!.filter((u) => u.status === 'ok').map((u) => u.latency_ms));
    expect(lat('tinyswallow-1.5b')).toBeLessThan(lat('llm-jp-3-172b') / 3);
    const errRate = (m: string) => byModel.get(m)!.filter((u) => u.status === 'error').length / byModel.get(m)!.length;
    expect(errRate('llm-jp-3-172b')).toBeGreaterThan(errRate('tinyswallow-1.5b') * 2);
    const statuses = new Set(usage.map((u) => u.status));
    expect([...statuses].sort()).toEqual(['blocked', 'error', 'ok', 'refused']);
    expect(new Set(usage.map((u) => u.app)).size).toBe(6);
    // ministry focus: Justice uses legal research far more than Finance
    const share = (m: string, app: string) => usage.filter((u) => u.ministry === m && u.app === app).length / usage.filter((u) => u.ministry === m).length;
    expect(share('moj', 'legal_research')).toBeGreaterThan(share('mof', 'legal_research') * 1.8);
  });

  it('gets more thumbs down on wrong answers', () => {
    const f = month.sim.truth.summary().feedback;
    expect(f.rated_wrong_answers).toBeGreaterThan(30);
    expect(f.down_on_wrong_answers / f.rated_wrong_answers).toBeGreaterThan(0.5);
    expect(f.down / (f.up + f.down)).toBeLessThan(0.3);
  });
});

describe('simulate: planted risks', () => {
  const plants: PlantRecord[] = [];
  const sim = new Simulation({ seed: 'plants', start: '2026-10-05', days: 21, scale: 0.03, riskMultiplier: 3, onPlant: (r) => plants.push(r) });
  // Keep the outputs the checks read: planted ones and the citing (RAG) apps.
  const outputs = new Map<string, OutputEvent>();
  for (const e of sim.events()) {
    if (e.kind !== 'outputs') continue;
    if (e.event.app === 'legal_research' || e.event.app === 'diet_response_search' || plants.at(-1)?.output_id === e.event.output_id) outputs.set(e.event.output_id, e.event);
  }
  const run = { plants, sim };
  const truth = sim.truth.summary();
  const byPlant = (id: string) => run.plants.filter((p) => p.plant === id).map((p) => ({ ...p, output: outputs.get(p.output_id)! }));

  it('plants at the configured rates, within binomial tolerance', () => {
    for (const [id, s] of Object.entries(truth.by_plant)) {
      expect(s.eligible, id).toBeGreaterThan(1_000);
      // citation plants are tilted per model but normalised over the mix: same expectation
      const sd = Math.sqrt(s.eligible * s.configured_rate * (1 - s.configured_rate));
      expect(Math.abs(s.planted - s.eligible * s.configured_rate), `${id}: ${s.planted} of ${s.eligible} at ${s.configured_rate}`).toBeLessThan(5 * sd + 3);
    }
    expect(run.plants.length).toBe(Object.values(truth.by_plant).reduce((s, p) => s + p.planted, 0));
    // weaker models carry more hallucinated citations
    const rate = (m: string) => truth.by_model[m].hallucinated_citation;
    expect(rate('tinyswallow-1.5b') / 12).toBeGreaterThan(rate('tsuzumi-2') / 30);
  });

  it('rates are configurable: 0 plants nothing, overrides apply', () => {
    const few = { ...SMALL, days: 7 };
    const none = new Simulation({ ...few, riskMultiplier: 0 });
    digest(none.events());
    expect(none.truth.summary().outputs_with_plants).toBe(0);
    const many = new Simulation({ ...few, rates: { my_number: 0.1 } });
    digest(many.events());
    const s = many.truth.summary().by_plant.my_number;
    expect(s.observed_rate).toBeGreaterThan(0.08);
    expect(s.observed_rate).toBeLessThan(0.12);
  }, 120_000);

  it('Individual Numbers carry a valid mod-11 check digit; look-alikes fail it', () => {
    const found = byPlant('my_number');
    expect(found.length).toBeGreaterThan(20);
    for (const p of found) {
      const candidates = [...p.output.prompt.normalize('NFKC').matchAll(/(?<!\d)\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)/g)].map((m) => m[0].replace(/\D/g, ''));
      expect(candidates.some(independentMyNumberCheck), candidates.join(',')).toBe(true);
    }
    const fake = byPlant('benign_invalid_my_number');
    expect(fake.length).toBeGreaterThan(20);
    for (const p of fake) {
      const number = p.output.prompt.match(/(?:受付番号 |注文番号：|整理番号)(\d{12})/)![1];
      expect(independentMyNumberCheck(number), number).toBe(false);
    }
  });

  it('payment cards pass Luhn with a brand prefix; masked cards have no full number', () => {
    for (const p of byPlant('payment_card')) {
      // Another plant in the same output (a corporate number, say) may put a long number first: the
      // card is the one that passes Luhn with a brand prefix, and there must be one.
      const numbers = [...p.output.prompt.matchAll(/(?<![\w-])\d[\d -]{11,21}\d(?![\w-])/g)].map((m) => m[0].replace(/\D/g, ''));
      const cards = numbers.filter((n) => n.length >= 13 && independentLuhn(n) && /^(4|5[1-5]|35(2[89]|[3-8]\d)|3[47]|36)/.test(n));
      expect(cards.length, numbers.join(',')).toBeGreaterThanOrEqual(1);
    }
    for (const p of byPlant('benign_masked_card')) expect(p.output.prompt.split('\n')[0]).not.toMatch(/\d{13,19}/);
  });

  it('credentials, mobiles, e-mails and markings have the right shapes', () => {
    for (const p of byPlant('credential')) {
      expect(p.output.prompt).toMatch(/AKIA[A-Z2-7]{16}|ghp_[A-Za-z0-9]{36}|xoxb-\d+-\d+-[A-Za-z0-9]{24}|sk-proj-[A-Za-z0-9_-]{48}/);
    }
    for (const p of byPlant('mobile_phone')) expect(p.output.prompt + p.output.response).toMatch(/0[789]0-?\d{4}-?\d{4}/);
    for (const p of byPlant('personal_email')) expect(p.output.prompt).toMatch(/@(gmail\.com|yahoo\.co\.jp|icloud\.com|outlook\.jp|docomo\.ne\.jp|ezweb\.ne\.jp)/);
    for (const p of byPlant('benign_gov_email')) expect(p.output.prompt).toMatch(/@[a-z.]+\.(go|lg)\.jp/);
    for (const p of byPlant('id_document')) expect(p.output.prompt).toMatch(/旅券番号は[A-Z]{2}\d{7}|運転免許証番号：第\d{12}号|普通 口座番号\d{7}|記号1\d{3}0 番号\d{7}1/);
    for (const p of byPlant('classified_marking')) expect(p.output.prompt.normalize('NFKC')).toMatch(/機密性3|【秘】|極秘/);
    // wording varies: several distinct sentences per plant
    for (const id of ['territorial_sovereignty', 'law_number_mismatch', 'classified_marking', 'mobile_phone']) {
      const shapes = new Set(byPlant(id).map((p) => (p.where === 'prompt' ? p.output.prompt.split('\n')[0] : p.output.response.split('\n').at(-1)!).replace(/[\d０-９]+/g, '#').slice(0, 12)));
      expect(shapes.size, id).toBeGreaterThanOrEqual(3);
    }
  });

  it('correct citations are correct; planted ones are provably wrong', () => {
    const citation = /([^\s、。「」（）\n]+?)（((明治|大正|昭和|平成|令和)(\d+)年法律第(\d+)号)）/g;
    const planted = new Set(run.plants.filter((p) => p.category === 'hallucinated_citation').map((p) => p.output_id));
    let checked = 0;
    for (const o of outputs.values()) {
      if (o.app !== 'legal_research' || planted.has(o.output_id)) continue;
      for (const m of o.response.matchAll(citation)) {
        // the longest catalog name the cited text ends with (formal title or alias)
        const named = LAWS.flatMap((l) => [l.title, ...l.aliases].map((name) => ({ l, name }))).filter(({ name }) => m[1].endsWith(name));
        const law = named.sort((a, b) => b.name.length - a.name.length)[0]?.l;
        expect(law, m[0]).toBeDefined();
        expect(m[2]).toBe(law!.number_ja);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
    const lawNamedIn = (line: string) =>
      LAWS.flatMap((l) => [l.title, ...l.aliases].map((name) => ({ l, name })))
        .filter(({ name }) => line.includes(name))
        .sort((x, y) => y.name.length - x.name.length)[0]?.l;
    for (const p of byPlant('law_number_mismatch')) {
      // the planted line is one of the response lines (a look-alike may follow it)
      const wrong = p.output.response.split('\n').some((line) => {
        const ja = line.match(/（((明治|大正|昭和|平成|令和)\d+年法律第\d+号)）/);
        if (ja) return lawNamedIn(line.slice(0, line.indexOf('（'))) !== undefined && ja[1] !== lawNamedIn(line.slice(0, line.indexOf('（')))!.number_ja;
        const en = line.match(/the (.+) \(Act No\. (\d+) of (\d{4})\)/);
        const law = en && LAWS.find((l) => l.title_en === en[1]);
        return !!law && law.number_en !== `Act No. ${en![2]} of ${en![3]}`;
      });
      expect(wrong, p.output.response).toBe(true);
    }
    for (const p of byPlant('article_out_of_range')) {
      const beyond = p.output.response.split('\n').some((line) => {
        const law = lawNamedIn(line);
        const m = line.match(/第([0-9０-９一二三四五六七八九十百千]+)条/);
        return !!law?.last_article && !!m && kanjiOrDigits(m[1]) > law.last_article;
      });
      expect(beyond, p.output.response).toBe(true);
    }
    for (const p of byPlant('ungrounded_marker')) {
      const markers = [...p.output.response.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
      expect(Math.max(...markers)).toBeGreaterThan(p.output.sources.length);
    }
    // grounded Diet answers quote their source verbatim
    for (const o of outputs.values()) {
      if (o.app !== 'diet_response_search' || planted.has(o.output_id)) continue;
      for (const m of o.response.matchAll(/「([^」]+)」と答弁/g)) expect(o.sources.some((s) => s.excerpt.includes(m[1]))).toBe(true);
    }
  }, 120_000);
});

describe('simulate: sinks and memory', () => {
  it('writes topic-named NDJSON files that match the ground truth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
    try {
      const { stats, truth } = await runSimulation({ ...SMALL, days: 3 }, createFileSink(dir));
      expect(stats.events).toBe(truth.events.usage + truth.events.outputs + truth.events.feedback);
      for (const kind of ['usage', 'outputs', 'feedback'] as const) {
        const lines = readFileSync(join(dir, `genai.${kind}.v1.ndjson`), 'utf8').split('\n').filter(Boolean);
        expect(lines.length).toBe(truth.events[kind]);
        for (const line of lines.slice(-50)) expect(EVENT_SCHEMAS[kind].safeParse(JSON.parse(line)).success).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes far more than its heap could hold: memory does not grow with the events written (own process, capped heap)', async () => {
    // A cap on V8's old space is a deterministic leak check: if the simulator kept events (or their JSON)
    // it would die of "heap out of memory" long before it wrote ~300 MB. RSS deltas between days are not:
    // they follow the day's volume (traffic ramps up 3x over the run) and each Node release's GC heuristics.
    const HEAP_MB = 64;
    const dir = mkdtempSync(join(tmpdir(), 'simulate-mem-'));
    try {
      const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, 'bin/oversight.mjs', 'simulate', '--seed', 'mem', '--start', '2026-09-07', '--days', '35', '--scale', '0.03', '--out', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const [code] = await once(child, 'exit');
      expect(code, stderr.slice(-2000)).toBe(0);
      const report = JSON.parse(stderr.trim().split('\n').at(-1)!);
      expect(report.run.events).toBeGreaterThan(300_000);
      expect([...stderr.matchAll(/^simulate: day .*RSS (\d+) MB/gm)].length).toBe(35);
      const written = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      expect(written / 2 ** 20).toBeGreaterThan(4 * HEAP_MB);
      expect(report.run.peak_rss_mb).toBeLessThan(300);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('simulate CLI window', () => {
  it('resolves --start/--end/--days and defaults to the weeks ending yesterday (JST)', () => {
    expect(resolveWindow({ start: '2026-10-01', end: '2026-10-28' }, 0)).toEqual({ start: '2026-10-01', days: 28 });
    expect(resolveWindow({ start: '2026-10-01', days: '7' }, 0)).toEqual({ start: '2026-10-01', days: 7 });
    // 2026-11-23 20:00 UTC is 2026-11-24 in JST: the window ends on the 23rd
    expect(resolveWindow({}, Date.parse('2026-11-23T20:00:00Z'))).toEqual({ start: '2026-10-27', days: 28 });
    expect(() => resolveWindow({ start: '2026-10-10', end: '2026-10-01' }, 0)).toThrow(/before/);
    expect(() => resolveWindow({ days: '0' }, 0)).toThrow(/--days/);
  });
});

/** Written from the statute's description, independently of pipelines/simulate/numbers.ts. */
function independentMyNumberCheck(d: string): boolean {
  if (!/^\d{12}$/.test(d)) return false;
  const weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]; // Q for P11..P1, left to right
  const s = weights.reduce((acc, w, i) => acc + w * Number(d[i]), 0);
  const r = s % 11;
  return Number(d[11]) === (r <= 1 ? 0 : 11 - r);
}

function independentLuhn(n: string): boolean {
  let sum = 0;
  [...n].reverse().forEach((c, i) => {
    const d = Number(c) * (i % 2 === 1 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  });
  return sum % 10 === 0;
}

function kanjiOrDigits(s: string): number {
  const ascii = s.normalize('NFKC');
  if (/^\d+$/.test(ascii)) return Number(ascii);
  const digit: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
  const unit: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
  let total = 0;
  let current = 0;
  for (const ch of s) {
    if (ch in digit) current = digit[ch];
    else {
      total += (current || 1) * unit[ch];
      current = 0;
    }
  }
  return total + current;
}

it('independent My Number check agrees with the published sample 123456789018', () => {
  expect(independentMyNumberCheck('123456789018')).toBe(true);
  expect(independentMyNumberCheck('123456789012')).toBe(false);
});
