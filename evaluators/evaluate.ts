// The offline evaluation core: one output → flags, and an NDJSON stream → flags NDJSON. Used by
// `oversight evaluate --input` (the scorer spawns it) and exported for the bench.
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { EVALUATORS } from './registry.ts';
import type { LlmJudge } from './llm-judge.ts';
import type { Evaluator, EvaluatorInput, Flag } from './types.ts';

/** All evaluators on one output; an evaluator that throws is reported through `onError`, the others still run. */
export function evaluateOutput(
  output: EvaluatorInput,
  evaluators: readonly Evaluator[] = EVALUATORS,
  onError?: (evaluator: Evaluator, err: unknown) => void,
): Flag[] {
  const flags: Flag[] = [];
  for (const e of evaluators) {
    try {
      flags.push(...e.evaluate(output));
    } catch (err) {
      if (!onError) throw err;
      onError(e, err);
    }
  }
  return flags;
}

/** Why a parsed line cannot be evaluated, or null when it can. Extra fields are ignored. */
export function invalidOutputReason(v: unknown): string | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.output_id !== 'string' || !o.output_id) return 'output_id is missing';
  if (typeof o.prompt !== 'string' && typeof o.response !== 'string') return 'prompt and response are missing';
  if (o.sources !== undefined && !Array.isArray(o.sources)) return 'sources must be an array';
  return null;
}

function asInput(o: Record<string, unknown>): EvaluatorInput {
  return {
    output_id: String(o.output_id),
    occurred_at: typeof o.occurred_at === 'string' ? o.occurred_at : '',
    app: typeof o.app === 'string' ? o.app : '',
    prompt: typeof o.prompt === 'string' ? o.prompt : '',
    response: typeof o.response === 'string' ? o.response : '',
    sources: Array.isArray(o.sources)
      ? (o.sources as Record<string, unknown>[]).filter((s) => s && typeof s === 'object').map((s) => ({
          id: String(s.id ?? ''),
          title: String(s.title ?? ''),
          url: typeof s.url === 'string' ? s.url : undefined,
          excerpt: typeof s.excerpt === 'string' ? s.excerpt : '',
        }))
      : [],
    language: typeof o.language === 'string' ? o.language : undefined,
    model: typeof o.model === 'string' ? o.model : undefined,
    ministry: typeof o.ministry === 'string' ? o.ministry : undefined,
  };
}

/** Parses one NDJSON line into an evaluator input, or returns the reason it cannot be used. */
export function parseOutputLine(line: string): { ok: true; output: EvaluatorInput; raw: Record<string, unknown> } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  const reason = invalidOutputReason(v);
  if (reason) return { ok: false, error: reason };
  return { ok: true, output: asInput(v as Record<string, unknown>), raw: v as Record<string, unknown> };
}

export interface StreamResult {
  lines: number;
  outputs: number;
  flags: number;
  malformed: number;
}

/**
 * Reads output events as NDJSON and calls `onOutput` for each valid one. A malformed line is reported
 * through `onMalformed` with its 1-based line number and skipped.
 */
export async function forEachOutputLine(
  input: Readable,
  onOutput: (output: EvaluatorInput, raw: Record<string, unknown>) => void | Promise<void>,
  onMalformed: (lineNo: number, error: string) => void,
): Promise<{ lines: number; outputs: number; malformed: number }> {
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lines = 0;
  let outputs = 0;
  let malformed = 0;
  for await (const line of rl) {
    lines++;
    if (!line.trim()) continue;
    const parsed = parseOutputLine(line);
    if (!parsed.ok) {
      malformed++;
      onMalformed(lines, parsed.error);
      continue;
    }
    outputs++;
    const pending = onOutput(parsed.output, parsed.raw);
    if (pending) await pending;
  }
  return { lines, outputs, malformed };
}

/**
 * Evaluates an NDJSON stream and writes flags as NDJSON; malformed lines go to `errors`. With a
 * `judge` (the optional LLM stage), each output also gets the judge's review after the rules.
 */
export async function evaluateNdjson(
  input: Readable,
  out: Writable,
  errors: Writable,
  evaluators: readonly Evaluator[] = EVALUATORS,
  judge?: LlmJudge,
): Promise<StreamResult> {
  let flags = 0;
  let buffer = '';
  const flush = () => {
    if (buffer) out.write(buffer);
    buffer = '';
  };
  const res = await forEachOutputLine(
    input,
    (output) => {
      const fl = evaluateOutput(output, evaluators, (e, err) => {
        errors.write(`evaluator ${e.id} failed on ${output.output_id}: ${(err as Error)?.message ?? err}\n`);
      });
      const write = (list: Flag[]) => {
        for (const f of list) buffer += JSON.stringify(f) + '\n';
        flags += list.length;
        if (buffer.length > 1 << 16) flush();
      };
      write(fl);
      if (judge) return judge.review(output, fl).then(write);
    },
    (lineNo, error) => errors.write(`line ${lineNo}: ${error}; skipped\n`),
  );
  flush();
  return { ...res, flags };
}
