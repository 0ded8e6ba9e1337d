// The plain definition of an event's known and unknown fields, kept as the tests' reference for
// contracts/events.ts unknownFields (the ingester's allocation-free version of its unknown half).
import type { z } from 'zod';

export function splitUnknown<T extends z.ZodObject>(schema: T, event: Record<string, unknown>) {
  const known: Record<string, unknown> = Object.create(null);
  const unknown: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(event)) (Object.hasOwn(schema.shape, k) ? known : unknown)[k] = v;
  return { known, unknown };
}
