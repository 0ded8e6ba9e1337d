// Prometheus metrics of the evaluator scheduler, merged into /metrics by service/metrics-endpoint.ts.
// They are what deploy/prometheus/oversight-rules.yml alerts on: a scheduler that stops completing
// passes (OversightEvaluatorBehind) or keeps failing (OversightEvaluatorFailing).
import { Counter, Gauge, Registry } from 'prom-client';

export const evaluatorRegistry = new Registry();

export const evaluatorMetrics = {
  lastPass: new Gauge({
    name: 'oversight_eval_last_pass_timestamp_seconds',
    help: 'Unix time at which the last evaluation pass completed successfully',
    registers: [evaluatorRegistry],
  }),
  passFailures: new Counter({ name: 'oversight_eval_pass_failures_total', help: 'Evaluation passes that failed (retried at the next interval)', registers: [evaluatorRegistry] }),
  outputs: new Counter({ name: 'oversight_eval_outputs_total', help: 'Outputs evaluated, per evaluator', labelNames: ['evaluator'], registers: [evaluatorRegistry] }),
};
