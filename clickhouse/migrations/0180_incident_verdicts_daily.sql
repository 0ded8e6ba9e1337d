-- Incidents and reviewer verdicts per day × ministry × app × model × evaluator × rule, so the ministry
-- page's incident counts and the evaluators page's verdicts read a few thousand rows instead of
-- `incidents FINAL` and its join with `flags FINAL`, which grow with every output (`npm run bench`).
--
-- Not a materialized view: a triage change writes a new version of the incident, and a view would
-- count every version. The writers keep it instead (clickhouse/incident-verdicts-rollup.ts): the
-- incident store (opens and triage changes) and writeFlags (a re-run or supersession changes which of
-- an incident's rules still have a live flag) insert the touched incidents' share negated before the
-- write and again after; counts are signed, so the sums stay exact. A crash between those inserts
-- leaves a day off; `oversight rollups` (clickhouse/rollups.ts) finds and rebuilds such days.
--
-- Rows with evaluator = '' and rule_id = '' count the incidents themselves (every source); the others
-- count an incident once per listed rule that has a live flag on its output, and `evaluator_*` once
-- per evaluator (on its first such rule), so distinct incidents per evaluator add up over rules.

CREATE TABLE IF NOT EXISTS {{table:incident_verdicts_daily}} {{on_cluster}}
(
    day                  Date,
    ministry             LowCardinality(String),
    app                  LowCardinality(String),
    model                LowCardinality(String),
    evaluator            LowCardinality(String),
    rule_id              LowCardinality(String),
    incidents            Int64,
    reviewed             Int64,
    confirmed            Int64,
    evaluator_incidents  Int64,
    evaluator_reviewed   Int64,
    evaluator_confirmed  Int64
)
ENGINE = {{engine:SummingMergeTree((incidents, reviewed, confirmed, evaluator_incidents, evaluator_reviewed, evaluator_confirmed))}}
PARTITION BY toYYYYMM(day)
ORDER BY (ministry, day, evaluator, rule_id, app, model);

{{distributed:incident_verdicts_daily:cityHash64(ministry)}};

-- History from before this migration: the same SELECT as INCIDENT_VERDICTS_SELECT in
-- clickhouse/incident-verdicts-rollup.ts (a unit test keeps the two equal).
INSERT INTO incident_verdicts_daily
SELECT day, ministry, app, model, evaluator, rule_id,
       toInt64(count()) AS incidents,
       toInt64(countIf(verdict != '')) AS reviewed,
       toInt64(countIf(verdict = 'confirmed')) AS confirmed,
       toInt64(countIf(evaluator_rank = 1)) AS evaluator_incidents,
       toInt64(countIf(evaluator_rank = 1 AND verdict != '')) AS evaluator_reviewed,
       toInt64(countIf(evaluator_rank = 1 AND verdict = 'confirmed')) AS evaluator_confirmed
FROM (
    SELECT toDate(output_at) AS day, ministry, app, model, '' AS evaluator, '' AS rule_id, verdict, toUInt64(1) AS evaluator_rank
    FROM incidents FINAL
    UNION ALL
    SELECT fl.day AS day, fl.ministry AS ministry, fl.app AS app, fl.model AS model, fl.evaluator AS evaluator, fl.rule_id AS rule_id,
           i.verdict AS verdict,
           row_number() OVER (PARTITION BY fl.day, fl.ministry, fl.app, fl.model, i.incident_id, fl.evaluator ORDER BY fl.rule_id) AS evaluator_rank
    FROM (SELECT DISTINCT output_id, evaluator, rule_id, toDate(output_at) AS day, ministry, app, model
            FROM flags FINAL WHERE is_deleted = 0 AND (1)) AS fl
    INNER JOIN (SELECT incident_id, output_id, rule_id, verdict
                  FROM incidents FINAL ARRAY JOIN arrayDistinct(rule_ids) AS rule_id) AS i
      ON fl.output_id = i.output_id AND fl.rule_id = i.rule_id
)
GROUP BY day, ministry, app, model, evaluator, rule_id;
