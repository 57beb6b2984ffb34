-- Collection, analysis and alerts (PostgreSQL).
CREATE TABLE sources (
    name            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    last_run_at     TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    last_error      TEXT,
    last_error_at   TIMESTAMPTZ,
    next_run_at     TIMESTAMPTZ,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    cursor          TEXT
);

CREATE TABLE events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         TEXT NOT NULL,
    first_post_id BIGINT,
    post_count    BIGINT NOT NULL DEFAULT 0,
    source_count  BIGINT NOT NULL DEFAULT 0,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    max_risk      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE posts (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    url           TEXT,
    canonical_url TEXT,
    parent_id     BIGINT REFERENCES posts(id),
    channel       TEXT NOT NULL,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    author        TEXT,
    published_at  TIMESTAMPTZ,
    fetched_at    TIMESTAMPTZ NOT NULL,
    metrics       JSONB,
    content_hash  BIGINT NOT NULL,
    simhash       BIGINT NOT NULL,
    event_id      BIGINT NOT NULL REFERENCES events(id),
    version       BIGINT NOT NULL DEFAULT 1,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX posts_canonical_url ON posts(canonical_url);
CREATE INDEX posts_content_hash ON posts(content_hash);
CREATE INDEX posts_event ON posts(event_id);
CREATE INDEX posts_updated ON posts(updated_at, id);

-- Earlier versions of edited posts; the current one stays in posts.
CREATE TABLE post_versions (
    post_id      BIGINT NOT NULL REFERENCES posts(id),
    version      BIGINT NOT NULL,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    content_hash BIGINT NOT NULL,
    fetched_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (post_id, version)
);

-- LSH bands of each post's SimHash: near-duplicate lookups touch only the
-- posts that share a band, whatever the size of the table.
CREATE TABLE simhash_bands (
    band    BIGINT NOT NULL,
    post_id BIGINT NOT NULL REFERENCES posts(id),
    PRIMARY KEY (band, post_id)
);

CREATE TABLE analyses (
    post_id          BIGINT PRIMARY KEY REFERENCES posts(id),
    post_version     BIGINT NOT NULL,
    analyzer_version TEXT NOT NULL,
    sentiment_score  DOUBLE PRECISION NOT NULL,
    sentiment_label  TEXT NOT NULL,
    risk_score       BIGINT NOT NULL,
    risk_level       TEXT NOT NULL,
    categories       JSONB NOT NULL,
    analysis         JSONB NOT NULL,
    analyzed_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX analyses_level ON analyses(risk_level);

-- One alert per event cluster, updated as the cluster grows.
CREATE TABLE alerts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id    BIGINT NOT NULL UNIQUE REFERENCES events(id),
    post_id     BIGINT NOT NULL REFERENCES posts(id),
    level       TEXT NOT NULL,
    risk_score  BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'new',
    post_count  BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX alerts_updated ON alerts(updated_at);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
