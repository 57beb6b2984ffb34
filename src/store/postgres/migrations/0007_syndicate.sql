-- Syndication to the media matrix: content with versions, channel accounts,
-- the publication outbox and its attempt log. PostgreSQL.

CREATE TABLE contents (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id        BIGINT NOT NULL REFERENCES users(id),
    -- draft | submitted | approved | rejected | scheduled | publishing | published | failed
    state            TEXT NOT NULL DEFAULT 'draft',
    version          BIGINT NOT NULL DEFAULT 1,
    source_post_id   BIGINT REFERENCES posts(id),
    approved_version BIGINT,
    approver_id      BIGINT REFERENCES users(id),
    reject_reason    TEXT,
    scheduled_at     TIMESTAMPTZ,
    channel_ids      JSONB NOT NULL DEFAULT '[]',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX contents_state ON contents(state, scheduled_at);

-- Every edit is a version; a version is never changed once written.
CREATE TABLE content_versions (
    content_id BIGINT NOT NULL REFERENCES contents(id),
    version    BIGINT NOT NULL,
    body       JSONB NOT NULL,
    editor_id  BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (content_id, version)
);

-- The media matrix: one row per account ("XX职业技术学院" + platform).
-- Secrets and cached tokens are encrypted (see docs/syndication.md).
CREATE TABLE syn_channels (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    settings         JSONB NOT NULL, -- no secrets
    secret           TEXT,          -- sealed
    token            TEXT,          -- sealed cached access token
    token_expires_at TIMESTAMPTZ,
    paused_until     TIMESTAMPTZ,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TIMESTAMPTZ NOT NULL
);

-- The outbox: one job per (content version, channel). The idempotency key
-- is unique, so the same version is never queued twice for a channel.
CREATE TABLE publications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_id      BIGINT NOT NULL REFERENCES contents(id),
    version         BIGINT NOT NULL,
    channel_id      BIGINT NOT NULL REFERENCES syn_channels(id),
    idempotency_key TEXT NOT NULL UNIQUE,
    variant         JSONB NOT NULL,
    -- pending | sending | published | failed
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    checkpoint      JSONB NOT NULL DEFAULT '{}', -- platform ids of finished steps
    remote_id       TEXT,
    remote_url      TEXT,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    published_at    TIMESTAMPTZ
);
CREATE INDEX publications_due ON publications(state, next_attempt_at);
CREATE INDEX publications_content ON publications(content_id);

-- Every request to a platform and what it came to.
CREATE TABLE publication_attempts (
    publication_id BIGINT NOT NULL REFERENCES publications(id),
    at             TIMESTAMPTZ NOT NULL,
    outcome        TEXT NOT NULL, -- published | retry | failed | progress
    message        TEXT
);
CREATE INDEX publication_attempts_pub ON publication_attempts(publication_id);
