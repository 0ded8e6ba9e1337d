-- Evaluator results. A flag is identified by (output_id, evaluator, rule_id, evidence_start); a re-run
-- writes the same key again (harmless), and a new evaluator version supersedes: flags it no longer
-- produces are written back with is_deleted = 1. Ministry/app/model/day are copied from the output so
-- risk trends group without a join.

CREATE TABLE IF NOT EXISTS {{table:flags}} {{on_cluster}}
(
    output_id          String,
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    category           LowCardinality(String),
    rule_id            LowCardinality(String),
    severity           LowCardinality(String),
    confidence         Float32,
    where              LowCardinality(String),
    evidence           String,
    evidence_start     UInt32,
    explanation        String,
    ministry           LowCardinality(String),
    app                LowCardinality(String),
    model              LowCardinality(String),
    output_at          DateTime64(3, 'UTC'),
    evaluated_at       DateTime64(3, 'UTC') DEFAULT now64(3),
    version            UInt64,
    is_deleted         UInt8 DEFAULT 0
)
ENGINE = {{engine:ReplacingMergeTree(version, is_deleted)}}
PARTITION BY toYYYYMM(output_at)
ORDER BY (ministry, toDate(output_at), output_id, evaluator, rule_id, evidence_start);

{{distributed:flags:cityHash64(output_id)}};

-- How far each evaluator has read the outputs table, by ingestion time (late events are still seen).
CREATE TABLE IF NOT EXISTS {{table:eval_watermarks}} {{on_cluster}}
(
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    watermark_at       DateTime64(3, 'UTC'),
    watermark_id       String,
    outputs_evaluated  UInt64,
    updated_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(updated_at)}}
ORDER BY (evaluator);

{{distributed:eval_watermarks:rand()}};

-- An evaluator that throws on one output records it here and the batch goes on.
CREATE TABLE IF NOT EXISTS {{table:evaluation_errors}} {{on_cluster}}
(
    output_id          String,
    evaluator          LowCardinality(String),
    evaluator_version  LowCardinality(String),
    error              String,
    failed_at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(failed_at)}}
PARTITION BY toYYYYMM(failed_at)
ORDER BY (evaluator, output_id);

{{distributed:evaluation_errors:rand()}};
