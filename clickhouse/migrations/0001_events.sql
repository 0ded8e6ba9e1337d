-- Raw events from the platform's topics. ReplacingMergeTree on the event id makes replays harmless;
-- the ingester also drops ids it already stored, so materialized-view rollups count each event once.
-- src_partition/src_offset record where a row came from (Kafka, or the line of a file) so a
-- restarted consumer can find the replay window of the batch it was killed in.

CREATE TABLE IF NOT EXISTS {{table:usage_events}} {{on_cluster}}
(
    event_id       String,
    occurred_at    DateTime64(3, 'UTC'),
    ministry       LowCardinality(String),
    user_id        String,
    session_id     String,
    request_id     String,
    app            LowCardinality(String),
    model          LowCardinality(String),
    input_tokens   UInt32,
    output_tokens  UInt32,
    latency_ms     UInt32,
    status         LowCardinality(String),
    raw            String CODEC(ZSTD(3)),
    src_topic      LowCardinality(String),
    src_partition  Int32,
    src_offset     Int64,
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(ingested_at)}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (ministry, toDate(occurred_at), event_id);

{{distributed:usage_events:cityHash64(user_id)}};

CREATE TABLE IF NOT EXISTS {{table:outputs}} {{on_cluster}}
(
    output_id              String,
    request_id             String,
    occurred_at            DateTime64(3, 'UTC'),
    ministry               LowCardinality(String),
    app                    LowCardinality(String),
    model                  LowCardinality(String),
    user_id                String,
    language               LowCardinality(String),
    confidentiality_level  UInt8,
    prompt                 String CODEC(ZSTD(3)) TTL toDateTime(occurred_at) + INTERVAL {{raw_text_ttl_days}} DAY,
    response               String CODEC(ZSTD(3)) TTL toDateTime(occurred_at) + INTERVAL {{raw_text_ttl_days}} DAY,
    sources                String CODEC(ZSTD(3)) TTL toDateTime(occurred_at) + INTERVAL {{raw_text_ttl_days}} DAY,
    raw                    String CODEC(ZSTD(3)),
    src_topic              LowCardinality(String),
    src_partition          Int32,
    src_offset             Int64,
    ingested_at            DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(ingested_at)}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (ministry, toDate(occurred_at), output_id);

{{distributed:outputs:cityHash64(output_id)}};

-- Feedback carries only output_id; the ingester copies ministry/app/model from the output it rates
-- (empty when the output is not stored yet) so rollups can group it per ministry.
CREATE TABLE IF NOT EXISTS {{table:feedback}} {{on_cluster}}
(
    output_id      String,
    occurred_at    DateTime64(3, 'UTC'),
    rating         LowCardinality(String),
    reason         String,
    comment        String CODEC(ZSTD(3)) TTL toDateTime(occurred_at) + INTERVAL {{raw_text_ttl_days}} DAY,
    ministry       LowCardinality(String),
    app            LowCardinality(String),
    model          LowCardinality(String),
    raw            String CODEC(ZSTD(3)),
    src_topic      LowCardinality(String),
    src_partition  Int32,
    src_offset     Int64,
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(ingested_at)}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (output_id);

{{distributed:feedback:cityHash64(output_id)}};

-- What could not be ingested, with the original bytes: nothing is lost, a reviewer can replay it.
CREATE TABLE IF NOT EXISTS {{table:ingest_errors}} {{on_cluster}}
(
    topic            LowCardinality(String),
    partition        Int32,
    offset           Int64,
    error            String,
    original_base64  String CODEC(ZSTD(3)),
    failed_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(failed_at)}}
PARTITION BY toYYYYMM(failed_at)
ORDER BY (topic, partition, offset);

{{distributed:ingest_errors:rand()}};
