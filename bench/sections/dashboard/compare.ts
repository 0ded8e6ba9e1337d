// Do the rollup answer and the raw answer agree? Counts must be equal; floating-point figures may
// differ only by the approximation of t-digest quantiles (merged states vs one pass over raw rows).
export interface Agreement {
  agree: boolean;
  /** Integer figures that differ (must be 0). */
  intMismatches: number;
  /** Largest relative difference among non-integer figures. */
  maxFloatRelDiff: number;
  /** A few example differences, path: rollup vs raw. */
  examples: string[];
}

export const FLOAT_TOLERANCE = 0.05;
/** Figures that come from t-digest states (approximate by design), compared with FLOAT_TOLERANCE even when integral. */
const APPROXIMATE = /latency|_p\d\d|quantile/i;

export function compareAnswers(rollup: unknown, raw: unknown): Agreement {
  const res: Agreement = { agree: true, intMismatches: 0, maxFloatRelDiff: 0, examples: [] };
  const note = (path: string, a: unknown, b: unknown) => {
    if (res.examples.length < 3) res.examples.push(`${path || '(root)'}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  };
  const walk = (a: unknown, b: unknown, path: string) => {
    if (typeof a === 'number' && typeof b === 'number') {
      if (Number.isInteger(a) && Number.isInteger(b) && !APPROXIMATE.test(path)) {
        if (a !== b) {
          res.intMismatches++;
          note(path, a, b);
        }
        return;
      }
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
      if (rel > res.maxFloatRelDiff) res.maxFloatRelDiff = rel;
      if (rel > FLOAT_TOLERANCE) note(path, a, b);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        res.intMismatches++;
        note(`${path}.length`, a.length, b.length);
      }
      for (let i = 0; i < Math.min(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`);
      return;
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (a !== b) {
      res.intMismatches++;
      note(path, a, b);
    }
  };
  walk(rollup, raw, '');
  res.agree = res.intMismatches === 0 && res.maxFloatRelDiff <= FLOAT_TOLERANCE;
  return res;
}
