-- Review samples (issue 12): a stratified random sample of outputs, flagged or not, that reviewers
-- label so recall, precision and prevalence can be estimated with intervals. Separate from incidents.

-- Every sampling run: who or what ran it, when, for which week and with which rule (the rule as JSON).
-- Append-only; several processes sampling the same week each leave a row and insert the same items.
CREATE TABLE IF NOT EXISTS {{table:review_rounds}} {{on_cluster}}
(
    round_id    String,
    week        Date,
    rule_id     LowCardinality(String),
    rule        String,
    actor       String,
    trigger     LowCardinality(String),
    population  UInt64,
    sampled     UInt32,
    added       UInt32,
    at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:MergeTree}}
ORDER BY (week, round_id, at);

{{distributed:review_rounds:rand()}};

-- One sampled output. item_id is a hash of (round, output): the same run anywhere writes the same row.
-- stratum_size / stratum_sampled are the stratum's population and sample size at sampling time; the
-- stratum is (round, ministry, app, flagged). second_review: a second, blind reviewer labels it too.
CREATE TABLE IF NOT EXISTS {{table:review_items}} {{on_cluster}}
(
    item_id          String,
    round_id         String,
    week             Date,
    rule_id          LowCardinality(String),
    output_id        String,
    ministry         LowCardinality(String),
    app              LowCardinality(String),
    output_at        DateTime64(3, 'UTC'),
    flagged          UInt8,
    stratum_size     UInt32,
    stratum_sampled  UInt32,
    second_review    UInt8,
    sampled_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(sampled_at)}}
ORDER BY (item_id);

{{distributed:review_items:cityHash64(item_id)}};

-- A reviewer's judgment of one item in one category (latest version wins, so a reviewer can revise).
-- pass 1 is the first reviewer, pass 2 the blind second one. The evidence text is raw text and
-- expires with the outputs' raw text.
CREATE TABLE IF NOT EXISTS {{table:review_labels}} {{on_cluster}}
(
    item_id         String,
    reviewer        String,
    pass            UInt8,
    category        LowCardinality(String),
    finding         UInt8,
    severity        LowCardinality(String),
    where           LowCardinality(String),
    evidence_start  UInt32,
    evidence_end    UInt32,
    evidence_text   String TTL toDateTime(labeled_at) + INTERVAL {{raw_text_ttl_days}} DAY,
    note            String TTL toDateTime(labeled_at) + INTERVAL {{raw_text_ttl_days}} DAY,
    output_id       String,
    ministry        LowCardinality(String),
    labeled_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    version         UInt64
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (item_id, reviewer, category);

{{distributed:review_labels:cityHash64(item_id)}};

-- Where an incident came from: the evaluator runner, or a reviewer's finding in a review sample that no
-- evaluator flagged. The second statement adds the column to the Distributed table on a cluster (on
-- one node both name the same table and the second is a no-op).
ALTER TABLE {{table:incidents}} {{on_cluster}} ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT 'evaluator';
ALTER TABLE incidents {{on_cluster}} ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT 'evaluator';
