-- Syndication to the media matrix: content with versions, channel accounts,
-- the publication outbox and its attempt log. Times are RFC 3339 UTC text.

CREATE TABLE contents (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id        INTEGER NOT NULL REFERENCES users(id),
    -- draft | submitted | approved | rejected | scheduled | publishing | published | failed
    state            TEXT NOT NULL DEFAULT 'draft',
    version          INTEGER NOT NULL DEFAULT 1,
    source_post_id   INTEGER REFERENCES posts(id),
    approved_version INTEGER,
    approver_id      INTEGER REFERENCES users(id),
    reject_reason    TEXT,
    scheduled_at     TEXT,
    channel_ids      TEXT NOT NULL DEFAULT '[]', -- JSON array of syn_channels ids
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX contents_state ON contents(state, scheduled_at);

-- Every edit is a version; a version is never changed once written.
CREATE TABLE content_versions (
    content_id INTEGER NOT NULL REFERENCES contents(id),
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL, -- JSON ContentBody
    editor_id  INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (content_id, version)
);

-- The media matrix: one row per account ("XX职业技术学院" + platform).
-- Secrets and cached tokens are encrypted (see docs/syndication.md).
CREATE TABLE syn_channels (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    settings         TEXT NOT NULL, -- JSON, no secrets
    secret           TEXT,          -- sealed
    token            TEXT,          -- sealed cached access token
    token_expires_at TEXT,
    paused_until     TEXT,
    enabled          INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL
);

-- The outbox: one job per (content version, channel). The idempotency key
-- is unique, so the same version is never queued twice for a channel.
CREATE TABLE publications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id      INTEGER NOT NULL REFERENCES contents(id),
    version         INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL REFERENCES syn_channels(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    variant         TEXT NOT NULL, -- JSON Variant
    -- pending | sending | published | failed
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    checkpoint      TEXT NOT NULL DEFAULT '{}', -- JSON: platform ids of finished steps
    remote_id       TEXT,
    remote_url      TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    published_at    TEXT
);
CREATE INDEX publications_due ON publications(state, next_attempt_at);
CREATE INDEX publications_content ON publications(content_id);

-- Every request to a platform and what it came to.
CREATE TABLE publication_attempts (
    publication_id INTEGER NOT NULL REFERENCES publications(id),
    at             TEXT NOT NULL,
    outcome        TEXT NOT NULL, -- published | retry | failed | progress
    message        TEXT
);
CREATE INDEX publication_attempts_pub ON publication_attempts(publication_id);
