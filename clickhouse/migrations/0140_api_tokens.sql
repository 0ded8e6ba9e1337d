-- Read-API tokens (issue 14): an admin issues one for a role and, for a CAIO, a ministry. Only the
-- SHA-256 of the token is stored. Revocation writes a new version (revoked = 1); the latest wins.
CREATE TABLE IF NOT EXISTS {{table:api_tokens}} {{on_cluster}}
(
    token_id     String,
    token_hash   String,
    name         String,
    role         LowCardinality(String),
    ministry     LowCardinality(String),
    created_by   String,
    created_at   DateTime64(3, 'UTC'),
    expires_at   DateTime64(3, 'UTC'),
    revoked      UInt8 DEFAULT 0,
    updated_at   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {{engine:ReplacingMergeTree(updated_at)}}
ORDER BY (token_id);

{{distributed:api_tokens:cityHash64(token_id)}};
