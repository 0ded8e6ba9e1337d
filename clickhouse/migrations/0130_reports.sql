-- Generated reports (issue 13): each row is one frozen version of a report, written once and never
-- updated, so a report a board received reads the same later, whatever new data or re-evaluation
-- arrives. `figures` holds the numbers themselves (JSON), `content_hash` their SHA-256 over the
-- canonical JSON of parameters, versions and figures. Regenerating the same kind, period and scope
-- (`series`) adds a row with the next `version`.
CREATE TABLE IF NOT EXISTS {{table:reports}} {{on_cluster}}
(
    report_id      String,
    series         String,
    version        UInt32,
    kind           LowCardinality(String),
    period_kind    LowCardinality(String),
    period_from    Date,
    period_to      Date,
    -- '' = all ministries
    ministry       LowCardinality(String),
    author         String,
    author_role    LowCardinality(String),
    -- 'ui' or 'schedule'
    origin         LowCardinality(String),
    created_at     DateTime64(3, 'UTC'),
    params         String,
    versions       String,
    figures        String CODEC(ZSTD(3)),
    content_hash   String
)
ENGINE = {{engine:MergeTree}}
ORDER BY (report_id);

{{distributed:reports:cityHash64(report_id)}};
