// The traffic generator: day by day, ministry by ministry, which pseudonymous users are active,
// when they send requests (JST office rhythm), to which app and model, what comes back, and how
// they rate it. Requests of a day are first drawn as compact numeric descriptors and sorted by time,
// then turned into events one at a time, so memory stays flat however many events are produced.
import type { FeedbackEvent, OutputEvent, UsageEvent } from '../../contracts/events.ts';
import { MINISTRIES, type Ministry } from '../../contracts/ministries.ts';
import { Rng, Weighted, hash32 } from './prng.ts';
import {
  ACTIVE_PROBABILITY, JP_HOLIDAYS, MEAN_REQUESTS_PER_ACTIVE_DAY, MODELS, SIM_APPS, WEEKDAY_HOUR_WEIGHTS, WEEKEND_HOUR_WEIGHTS,
  appMixFor, hallucinationScale, modelMix, type ModelProfile, type SimApp,
} from './profiles.ts';
import { buildDraft, refusal, type DraftContext } from './content/apps.ts';
import { PLANTS, type Plant, type PlantCategory } from './content/plants.ts';
import { GroundTruth } from './ground-truth.ts';

export type SimEvent =
  | { kind: 'usage'; event: UsageEvent }
  | { kind: 'outputs'; event: OutputEvent }
  | { kind: 'feedback'; event: FeedbackEvent };

export interface PlantRecord {
  output_id: string;
  ministry: string;
  app: string;
  model: string;
  plant: string;
  category: PlantCategory;
  where: 'prompt' | 'response';
}

export interface SimulationOptions {
  seed: string | number;
  /** first simulated day, JST calendar date YYYY-MM-DD */
  start: string;
  days: number;
  /** fraction of each ministry's planned users in the simulated population */
  scale: number;
  /** ministry codes; all when empty or absent */
  ministries?: readonly string[];
  /** planned users per ministry (defaults to contracts/ministries.ts) */
  plannedUsers?: ReadonlyMap<string, number>;
  /** multiplies every planted-risk rate (benign look-alikes keep theirs) */
  riskMultiplier?: number;
  /** per-plant rate overrides, e.g. {"my_number": 0.01} */
  rates?: Readonly<Record<string, number>>;
  /** share of outputs that are rated */
  feedbackRate?: number;
  /** called after each simulated day, for progress output */
  onDay?: (day: DayProgress) => void;
  /** called for every planted risk or look-alike: the per-output ground truth */
  onPlant?: (record: PlantRecord) => void;
}

export interface DayProgress {
  date: string;
  dayIndex: number;
  days: number;
  requests: number;
  activeUsers: number;
}

export const DEFAULT_SCALE = 0.02;
const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3_600_000;
/** request index within a day fits below this; the sort key packs time above it */
const INDEX_SPACE = 2 ** 24;
const ENGLISH_SHARE = 0.04;
const BLOCKED_RATE = 0.003;

interface MinistryPlan {
  ministry: Ministry;
  index: number;
  population: number;
  adoptionStart: number;
  adoptionEnd: number;
  apps: Weighted<SimApp>;
}

interface PlantTable {
  risks: Array<{ plant: Plant; rate: number }>;
  riskTotal: number;
  benign: Array<{ plant: Plant; rate: number }>;
}

export function validateOptions(opts: SimulationOptions): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.start) || Number.isNaN(Date.parse(`${opts.start}T00:00:00Z`))) {
    throw new Error(`start must be a date YYYY-MM-DD, got ${JSON.stringify(opts.start)}`);
  }
  if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 3660) throw new Error(`days must be an integer 1..3660, got ${opts.days}`);
  if (!(opts.scale > 0 && opts.scale <= 10)) throw new Error(`scale must be in (0, 10], got ${opts.scale}`);
  for (const code of opts.ministries ?? []) {
    if (!MINISTRIES.some((m) => m.code === code)) throw new Error(`unknown ministry code ${JSON.stringify(code)}`);
  }
  for (const [id, rate] of Object.entries(opts.rates ?? {})) {
    if (!PLANTS.some((p) => p.id === id)) throw new Error(`unknown plant ${JSON.stringify(id)}; known: ${PLANTS.map((p) => p.id).join(', ')}`);
    if (!(rate >= 0 && rate <= 1)) throw new Error(`rate of ${id} must be in [0, 1], got ${rate}`);
  }
  if (opts.riskMultiplier !== undefined && !(opts.riskMultiplier >= 0)) throw new Error('riskMultiplier must be >= 0');
  plantTables(plantRates(opts)); // throws when the rates of one app add up to too much
}

/** The configured rate of each plant (what the ground truth is checked against). */
export function plantRates(opts: Pick<SimulationOptions, 'riskMultiplier' | 'rates'>): Map<string, number> {
  const mult = opts.riskMultiplier ?? 1;
  return new Map(PLANTS.map((p) => [p.id, opts.rates?.[p.id] ?? (p.category === 'benign' ? p.rate : p.rate * mult)]));
}

function plantTables(rates: Map<string, number>): Map<SimApp, PlantTable> {
  const tables = new Map<SimApp, PlantTable>();
  for (const app of SIM_APPS) {
    const eligible = PLANTS.filter((p) => p.apps.includes(app));
    const risks = eligible.filter((p) => p.category !== 'benign').map((plant) => ({ plant, rate: rates.get(plant.id)! }));
    const riskTotal = risks.reduce((s, r) => s + r.rate, 0);
    if (riskTotal > 0.9) throw new Error(`planted rates for app ${app} add up to ${riskTotal.toFixed(3)}; keep them below 0.9`);
    tables.set(app, { risks, riskTotal, benign: eligible.filter((p) => p.category === 'benign').map((plant) => ({ plant, rate: rates.get(plant.id)! })) });
  }
  return tables;
}

function planMinistries(opts: SimulationOptions, rng: Rng): MinistryPlan[] {
  const wanted = opts.ministries && opts.ministries.length > 0 ? new Set(opts.ministries) : null;
  return MINISTRIES.map((ministry, index) => ({ ministry, index }))
    .filter(({ ministry }) => !wanted || wanted.has(ministry.code))
    .map(({ ministry, index }) => {
      const planned = opts.plannedUsers?.get(ministry.code) ?? ministry.planned_users;
      // Early adopters differ by ministry; all ramp toward most of their planned users by the end.
      const adoptionStart = 0.1 + 0.25 * rng.next();
      const adoptionEnd = Math.min(0.97, adoptionStart + 0.35 + 0.4 * rng.next());
      return { ministry, index, population: Math.max(3, Math.round(planned * opts.scale)), adoptionStart, adoptionEnd, apps: appMixFor(ministry.code) };
    });
}

/** Adopted share of the population on a day: a smooth S-shaped ramp from start to end level. */
export function adoptionOn(plan: Pick<MinistryPlan, 'adoptionStart' | 'adoptionEnd'>, dayIndex: number, days: number): number {
  const p = days <= 1 ? 1 : dayIndex / (days - 1);
  return plan.adoptionStart + (plan.adoptionEnd - plan.adoptionStart) * (3 * p * p - 2 * p * p * p);
}

export function dayKind(date: string): 'weekday' | 'weekend' | 'holiday' {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  if (dow === 0 || dow === 6) return 'weekend';
  return JP_HOLIDAYS.has(date) ? 'holiday' : 'weekday';
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

export class Simulation {
  readonly truth: GroundTruth;
  private readonly opts: SimulationOptions;
  private readonly seedNum: number;
  private readonly rng: Rng;
  private readonly plans: MinistryPlan[];
  private readonly models: Weighted<ModelProfile>;
  private readonly hallucination: Map<string, number>;
  private readonly plants: Map<SimApp, PlantTable>;
  private readonly weekdayHours: Weighted<number>;
  private readonly weekendHours: Weighted<number>;

  constructor(opts: SimulationOptions) {
    validateOptions(opts);
    this.opts = opts;
    this.rng = new Rng(opts.seed);
    this.seedNum = this.rng.uint32();
    this.plans = planMinistries(opts, this.rng.fork('ministries'));
    this.models = modelMix(MODELS);
    this.hallucination = hallucinationScale(MODELS);
    const rates = plantRates(opts);
    this.plants = plantTables(rates);
    this.weekdayHours = new Weighted(WEEKDAY_HOUR_WEIGHTS.map((w, h) => [h, w] as const));
    this.weekendHours = new Weighted(WEEKEND_HOUR_WEIGHTS.map((w, h) => [h, w] as const));
    this.truth = new GroundTruth(rates);
  }

  /** The population of a ministry in the simulation (users ever able to adopt). */
  get populations(): Array<{ ministry: string; population: number; adoptionStart: number; adoptionEnd: number }> {
    return this.plans.map((p) => ({ ministry: p.ministry.code, population: p.population, adoptionStart: p.adoptionStart, adoptionEnd: p.adoptionEnd }));
  }

  /** Stable traits of user i of a ministry: they must not depend on how many draws came before. */
  private adoptAt(plan: MinistryPlan, i: number): number {
    return hash32(this.seedNum, plan.index, i, 1) / 4294967296;
  }

  /** Requests-per-day multiplier, log-normal with mean about 1: a few heavy users, many occasional ones. */
  private intensity(plan: MinistryPlan, i: number): number {
    const u1 = (hash32(this.seedNum, plan.index, i, 2) + 1) / 4294967297;
    const u2 = hash32(this.seedNum, plan.index, i, 3) / 4294967296;
    return Math.exp(0.6 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)) / 1.2;
  }

  /** Pseudonymous and stable across days and runs with the same seed. */
  private userId(plan: MinistryPlan, i: number): string {
    return `u_${plan.ministry.code}_${hex32(hash32(this.seedNum, plan.index, i, 4))}${hex32(hash32(this.seedNum, plan.index, i, 5))}`;
  }

  *events(): Generator<SimEvent> {
    const { days, start } = this.opts;
    const dayRng = this.rng.fork('days');
    for (let d = 0; d < days; d++) {
      const date = addDays(start, d);
      const kind = dayKind(date);
      const hours = kind === 'weekday' ? this.weekdayHours : this.weekendHours;
      const pActive = ACTIVE_PROBABILITY[kind];
      const rng = dayRng.fork(date);

      // 1. Who is active and when they send requests: compact descriptors only.
      const keys: number[] = [];
      const who: number[] = []; // plan position << 20 | user index
      let activeUsers = 0;
      this.plans.forEach((plan, planPos) => {
        const adopted = adoptionOn(plan, d, days);
        for (let i = 0; i < plan.population; i++) {
          if (this.adoptAt(plan, i) >= adopted || !rng.chance(pActive)) continue;
          activeUsers++;
          const n = Math.max(1, rng.poisson(MEAN_REQUESTS_PER_ACTIVE_DAY * this.intensity(plan, i)));
          for (let k = 0; k < n; k++) {
            const msInDay = hours.draw(rng) * 3_600_000 + rng.int(0, 3_599_999);
            keys.push(msInDay * INDEX_SPACE + who.length);
            who.push(planPos * 2 ** 20 + i);
          }
        }
      });
      if (who.length >= INDEX_SPACE) throw new Error(`more than ${INDEX_SPACE} requests in one day: lower --scale`);
      const order = Float64Array.from(keys).sort();
      keys.length = 0;

      // 2. Materialise events in time order.
      const dayStartUtc = Date.parse(`${date}T00:00:00Z`) - JST_OFFSET_MS;
      const [y, m, dd] = date.split('-').map(Number);
      for (let j = 0; j < order.length; j++) {
        const key = order[j];
        const idx = key % INDEX_SPACE;
        const msInDay = (key - idx) / INDEX_SPACE;
        const packed = who[idx];
        const plan = this.plans[Math.floor(packed / 2 ** 20)];
        const userIndex = packed % 2 ** 20;
        yield* this.request(rng, plan, userIndex, dayStartUtc + msInDay, msInDay, d, { y, m, d: dd });
      }
      this.opts.onDay?.({ date, dayIndex: d, days, requests: order.length, activeUsers });
    }
  }

  private *request(
    rng: Rng, plan: MinistryPlan, userIndex: number, atMs: number, msInDay: number, dayIndex: number,
    date: { y: number; m: number; d: number },
  ): Generator<SimEvent> {
    const ministry = plan.ministry.code;
    const user = this.userId(plan, userIndex);
    const app = plan.apps.draw(rng);
    const model = this.models.draw(rng);
    const english = (app === 'chat' || app === 'legal_research') && rng.chance(ENGLISH_SHARE);
    const session = `s_${hex32(hash32(this.seedNum, plan.index, userIndex, dayIndex, msInDay < 12 * 3_600_000 ? 0 : 1))}${hex32(hash32(dayIndex, userIndex, plan.index))}`;
    const requestId = `req_${rng.hex(12)}`;
    const occurredAt = new Date(atMs).toISOString();

    const roll = rng.next();
    const status = roll < model.errorRate ? 'error' : roll < model.errorRate + BLOCKED_RATE ? 'blocked' : roll < model.errorRate + BLOCKED_RATE + model.refusalRate ? 'refused' : 'ok';

    if (status === 'error' || status === 'blocked') {
      const latency = status === 'blocked' ? Math.round(rng.logNormal(60, 0.3)) : rng.chance(0.4) ? 60_000 + rng.int(0, 2_000) : Math.round(rng.logNormal(900, 0.6));
      this.truth.count('usage');
      yield { kind: 'usage', event: usage(rng, { occurredAt, ministry, user, session, requestId, app, model: model.name, input: Math.round(rng.logNormal(180, 0.8)), output: 0, latency, status }) };
      return;
    }

    const ctx: DraftContext = { ministry, ministryName: plan.ministry.name_ja, year: date.y, month: date.m, day: date.d, english };
    const draft = buildDraft(app, rng, ctx);
    const outputId = rng.uuid();
    let wrong = false;
    const planted: Array<{ plant: Plant; where: 'prompt' | 'response' }> = [];
    if (status === 'refused') {
      draft.response = refusal(rng, english);
      draft.sources = [];
    } else {
      this.truth.eligible(app);
      const table = this.plants.get(app)!;
      const scale = this.hallucination.get(model.name) ?? 1;
      let u = rng.next();
      for (const { plant, rate } of table.risks) {
        const effective = plant.category === 'hallucinated_citation' ? rate * scale : rate;
        if (u < effective) {
          planted.push({ plant, where: plant.apply(draft, rng, ctx) });
          wrong = plant.wrongAnswer;
          break;
        }
        u -= effective;
      }
      let b = rng.next();
      for (const { plant, rate } of table.benign) {
        if (b < rate) {
          planted.push({ plant, where: plant.apply(draft, rng, ctx) });
          break;
        }
        b -= rate;
      }
    }

    const sourceChars = draft.sources.reduce((s, src) => s + src.title.length + src.excerpt.length, 0);
    const retrieval = draft.sources.length > 0 ? rng.int(1200, 4200) : 0;
    const input = Math.ceil(draft.prompt.length * (draft.language === 'en' ? 0.3 : 1.1)) + Math.ceil(sourceChars * 1.1) + retrieval + rng.int(90, 400);
    const output = Math.max(1, Math.ceil(draft.response.length * (draft.language === 'en' ? 0.3 : 1.05)));
    const latency = Math.round(rng.logNormal(model.firstTokenMs, model.latencySigma) + output * model.perTokenMs * rng.logNormal(1, 0.15));

    this.truth.count('usage');
    yield { kind: 'usage', event: usage(rng, { occurredAt, ministry, user, session, requestId, app, model: model.name, input, output, latency, status }) };

    const answeredAt = atMs + latency;
    const confidentiality = rng.next() < 0.05 ? 0 : rng.next() < 0.62 ? 1 : 2;
    const outputEvent: OutputEvent = {
      output_id: outputId,
      request_id: requestId,
      occurred_at: new Date(answeredAt).toISOString(),
      ministry,
      app,
      model: model.name,
      user_id: user,
      language: draft.language,
      confidentiality_level: confidentiality,
      prompt: draft.prompt,
      response: draft.response,
      sources: draft.sources,
    };
    for (const p of planted) {
      this.truth.planted(p.plant, app, model.name);
      this.opts.onPlant?.({ output_id: outputId, ministry, app, model: model.name, plant: p.plant.id, category: p.plant.category, where: p.where });
    }
    this.truth.count('outputs');
    yield { kind: 'outputs', event: outputEvent };

    const feedbackRate = (this.opts.feedbackRate ?? 0.06) * (wrong || status === 'refused' ? 2.5 : 1);
    if (rng.chance(Math.min(1, feedbackRate))) {
      const pDown = wrong ? 0.7 : status === 'refused' ? 0.55 : 0.12;
      const down = rng.chance(pDown);
      const feedback: FeedbackEvent = {
        output_id: outputId,
        occurred_at: new Date(answeredAt + rng.int(15_000, 1_800_000)).toISOString(),
        rating: down ? 'down' : 'up',
      };
      if (down) {
        feedback.reason = wrong ? rng.pick(['inaccurate', 'wrong_citation', 'inaccurate', 'inappropriate']) : rng.pick(['inaccurate', 'not_helpful', 'too_slow', 'off_topic', 'refused']);
        if (rng.chance(0.35)) feedback.comment = rng.pick(['条文番号が違うようです。', '出典が確認できませんでした。', '質問の意図と異なる回答でした。', '表現が公用文に合っていません。', '回答までに時間がかかりました。']);
      } else if (rng.chance(0.3)) {
        feedback.reason = rng.pick(['helpful', 'accurate', 'saved_time']);
        if (rng.chance(0.3)) feedback.comment = rng.pick(['作業時間が短縮できました。', 'そのまま使える文案でした。', '分かりやすい整理でした。']);
      }
      this.truth.feedback(down, wrong);
      this.truth.count('feedback');
      yield { kind: 'feedback', event: feedback };
    }
  }
}

function usage(
  rng: Rng,
  f: { occurredAt: string; ministry: string; user: string; session: string; requestId: string; app: string; model: string; input: number; output: number; latency: number; status: UsageEvent['status'] },
): UsageEvent {
  return {
    event_id: rng.uuid(),
    occurred_at: f.occurredAt,
    ministry: f.ministry,
    user_id: f.user,
    session_id: f.session,
    request_id: f.requestId,
    app: f.app,
    model: f.model,
    input_tokens: f.input,
    output_tokens: f.output,
    latency_ms: Math.max(1, f.latency),
    status: f.status,
  };
}

/** The in-process API (bench, tests, demo): an async stream of events. Read `truth` when it ends. */
export function createSimulation(opts: SimulationOptions): { simulation: Simulation; events: () => AsyncGenerator<SimEvent> } {
  const simulation = new Simulation(opts);
  return {
    simulation,
    async *events() {
      yield* simulation.events();
    },
  };
}

/** Shorthand: an async generator of simulated events. */
export async function* simulateEvents(opts: SimulationOptions): AsyncGenerator<SimEvent> {
  yield* new Simulation(opts).events();
}
