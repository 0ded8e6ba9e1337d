-- Incident triage: the current state of each incident (latest version wins) and its full history.
CREATE TABLE IF NOT EXISTS {{table:incidents}} {{on_cluster}}
(
    incident_id   String,
    output_id     String,
    ministry      LowCardinality(String),
    app           LowCardinality(String),
    model         LowCardinality(String),
    category      LowCardinality(String),
    severity      LowCardinality(String),
    rule_ids      Array(String),
    title         String,
    status        LowCardinality(String),
    assignee      String,
    verdict       LowCardinality(String),
    output_at     DateTime64(3, 'UTC'),
    opened_at     DateTime64(3, 'UTC'),
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    version       UInt64
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (incident_id);

{{distributed:incidents:cityHash64(incident_id)}};

CREATE TABLE IF NOT EXISTS {{table:incident_events}} {{on_cluster}}
(
    incident_id  String,
    at           DateTime64(3, 'UTC') DEFAULT now64(3),
    actor        String,
    action       LowCardinality(String),
    from_status  LowCardinality(String),
    to_status    LowCardinality(String),
    assignee     String,
    verdict      LowCardinality(String),
    note         String
)
ENGINE = {{engine:MergeTree}}
ORDER BY (incident_id, at);

{{distributed:incident_events:cityHash64(incident_id)}};

-- Append-only record of every raw-text view and triage action: who, what, when, from where.
CREATE TABLE IF NOT EXISTS {{table:audit_log}} {{on_cluster}}
(
    at          DateTime64(3, 'UTC') DEFAULT now64(3),
    actor       String,
    role        LowCardinality(String),
    action      LowCardinality(String),
    target      String,
    ministry    LowCardinality(String),
    ip          String,
    user_agent  String,
    detail      String
)
ENGINE = {{engine:MergeTree}}
PARTITION BY toYYYYMM(at)
ORDER BY (at, actor);

{{distributed:audit_log:rand()}};

-- Local accounts (the OIDC option maps SSO identities onto the same rows) and sessions.
CREATE TABLE IF NOT EXISTS {{table:users}} {{on_cluster}}
(
    username       String,
    display_name   String,
    role           LowCardinality(String),
    ministry       LowCardinality(String),
    password_hash  String,
    disabled       UInt8 DEFAULT 0,
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(updated_at)}}
ORDER BY (username);

{{distributed:users:cityHash64(username)}};

CREATE TABLE IF NOT EXISTS {{table:sessions}} {{on_cluster}}
(
    session_hash  String,
    username      String,
    csrf_token    String,
    created_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    expires_at    DateTime64(3, 'UTC'),
    revoked       UInt8 DEFAULT 0,
    updated_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(updated_at)}}
ORDER BY (session_hash)
TTL toDateTime(expires_at) + INTERVAL 1 DAY;

{{distributed:sessions:cityHash64(session_hash)}};
