-- Live findings per day × ministry × app × model × evaluator × category × rule × severity, so the risk
-- figures (overview, ministry, heatmap, models) and the evaluators page's flag counts read a few
-- thousand rows instead of scanning `flags FINAL`, which grows with every output (`npm run bench`).
--
-- Not a materialized view: a re-run rewrites a flag with a new version and a supersession writes it
-- again with is_deleted = 1, and a view would count both. The evaluator runner maintains it instead
-- (clickhouse/flags-rollup.ts): for a batch's outputs it inserts the negated rollup rows of their
-- live flags before writing, and the rollup rows of their live flags after; counts are signed, so
-- the sums stay exact through re-runs and supersessions. A crash between those writes leaves a day
-- off by a batch; `oversight rollups` (clickhouse/rollups.ts) finds and rebuilds such days.
--
-- Distinct outputs stay additive: an output has one day, ministry, app and model, so its count is
-- never split across those. Within one output, `outputs` is counted once per (evaluator, rule), on
-- its most severe flag of that rule; `citation_outputs` once per output with a hallucinated_citation
-- finding (severity above info), on its most severe one. Summing over severities gives exact
-- distinct outputs per rule, summing a day gives the outputs with a citation finding.
-- SummingMergeTree drops rows whose sums reach zero (a flag superseded on the same day it appeared).

CREATE TABLE IF NOT EXISTS {{table:flags_daily}} {{on_cluster}}
(
    day               Date,
    ministry          LowCardinality(String),
    app               LowCardinality(String),
    model             LowCardinality(String),
    evaluator         LowCardinality(String),
    category          LowCardinality(String),
    rule_id           LowCardinality(String),
    severity          LowCardinality(String),
    flags             Int64,
    outputs           Int64,
    citation_outputs  Int64
)
ENGINE = {{engine:SummingMergeTree((flags, outputs, citation_outputs))}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day, evaluator, category, rule_id, severity, app, model);

{{distributed:flags_daily:cityHash64(ministry)}};

-- History from before this migration: the same SELECT as FLAGS_DAILY_SELECT in clickhouse/flags-rollup.ts
-- (a unit test keeps the two equal).
INSERT INTO flags_daily
SELECT day, ministry, app, model, evaluator, category, rule_id, severity,
       toInt64(count()) AS flags,
       toInt64(countIf(rule_rank = 1)) AS outputs,
       toInt64(countIf(citation_rank = 1 AND is_citation_finding)) AS citation_outputs
FROM (
    SELECT toDate(output_at) AS day, ministry, app, model, evaluator, category, rule_id, severity,
           category = 'hallucinated_citation' AND severity != 'info' AS is_citation_finding,
           row_number() OVER (PARTITION BY day, ministry, app, model, output_id, evaluator, rule_id
                              ORDER BY indexOf(['info', 'low', 'medium', 'high', 'critical'], severity) DESC, evidence_start) AS rule_rank,
           row_number() OVER (PARTITION BY day, ministry, app, model, output_id, is_citation_finding
                              ORDER BY indexOf(['info', 'low', 'medium', 'high', 'critical'], severity) DESC, evaluator, rule_id, evidence_start) AS citation_rank
    FROM flags FINAL
    WHERE is_deleted = 0
)
GROUP BY day, ministry, app, model, evaluator, category, rule_id, severity;
