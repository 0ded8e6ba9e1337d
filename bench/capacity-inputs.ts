// The traffic inputs of docs/CAPACITY.md, measured on the simulator rather than typed in by hand:
// requests per active user and day, the share of requests that produce an output, feedback per
// output, and the JSON size of each event kind. Run: npx tsx bench/capacity-inputs.ts
import { dayKind, simulateEvents } from '../pipelines/simulate/index.ts';
import { ACTIVE_PROBABILITY, MEAN_REQUESTS_PER_ACTIVE_DAY } from '../pipelines/simulate/profiles.ts';
import { SIM_SEED, SIM_START } from './lib/sim-events.ts';

const days = 14;
const scale = 0.05;
const perKind = { usage: 0, outputs: 0, feedback: 0 };
const bytes = { usage: 0, outputs: 0, feedback: 0 };
const byKind = { weekday: { requests: 0, active: 0, days: 0 }, weekend: { requests: 0, active: 0, days: 0 }, holiday: { requests: 0, active: 0, days: 0 } };
for await (const e of simulateEvents({
  seed: SIM_SEED,
  start: SIM_START,
  days,
  scale,
  onDay: (d) => {
    const k = byKind[dayKind(d.date)];
    k.requests += d.requests;
    k.active += d.activeUsers;
    k.days++;
  },
})) {
  perKind[e.kind]++;
  bytes[e.kind] += Buffer.byteLength(JSON.stringify(e.event)) + 1;
}
const out = {
  simulated: { seed: SIM_SEED, start: SIM_START, days, scale },
  profile_constants: { ACTIVE_PROBABILITY, MEAN_REQUESTS_PER_ACTIVE_DAY },
  requests_per_active_user_day: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.active ? v.requests / v.active : null])),
  events: perKind,
  outputs_per_request: perKind.outputs / perKind.usage,
  feedback_per_output: perKind.feedback / perKind.outputs,
  json_bytes_per_event: Object.fromEntries(Object.entries(bytes).map(([k, b]) => [k, Math.round(b / Math.max(1, perKind[k as keyof typeof perKind]))])),
};
console.log(JSON.stringify(out, null, 2));
