-- Collection, analysis and alerts (SQLite). Times are RFC 3339 UTC text.
CREATE TABLE sources (
    name            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    last_run_at     TEXT,
    last_success_at TEXT,
    last_error      TEXT,
    last_error_at   TEXT,
    next_run_at     TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    cursor          TEXT
);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT NOT NULL,
    first_post_id INTEGER,
    post_count    INTEGER NOT NULL DEFAULT 0,
    source_count  INTEGER NOT NULL DEFAULT 0,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    max_risk      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE posts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source        TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    url           TEXT,
    canonical_url TEXT,
    parent_id     INTEGER REFERENCES posts(id),
    channel       TEXT NOT NULL,
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    author        TEXT,
    published_at  TEXT,
    fetched_at    TEXT NOT NULL,
    metrics       TEXT,
    content_hash  INTEGER NOT NULL,
    simhash       INTEGER NOT NULL,
    event_id      INTEGER NOT NULL REFERENCES events(id),
    version       INTEGER NOT NULL DEFAULT 1,
    updated_at    TEXT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX posts_canonical_url ON posts(canonical_url);
CREATE INDEX posts_content_hash ON posts(content_hash);
CREATE INDEX posts_event ON posts(event_id);
CREATE INDEX posts_updated ON posts(updated_at, id);

-- Earlier versions of edited posts; the current one stays in posts.
CREATE TABLE post_versions (
    post_id      INTEGER NOT NULL REFERENCES posts(id),
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    content_hash INTEGER NOT NULL,
    fetched_at   TEXT NOT NULL,
    PRIMARY KEY (post_id, version)
);

-- LSH bands of each post's SimHash: near-duplicate lookups touch only the
-- posts that share a band, whatever the size of the table.
CREATE TABLE simhash_bands (
    band    INTEGER NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts(id),
    PRIMARY KEY (band, post_id)
) WITHOUT ROWID;

CREATE TABLE analyses (
    post_id          INTEGER PRIMARY KEY REFERENCES posts(id),
    post_version     INTEGER NOT NULL,
    analyzer_version TEXT NOT NULL,
    sentiment_score  REAL NOT NULL,
    sentiment_label  TEXT NOT NULL,
    risk_score       INTEGER NOT NULL,
    risk_level       TEXT NOT NULL,
    categories       TEXT NOT NULL,
    analysis         TEXT NOT NULL,
    analyzed_at      TEXT NOT NULL
);
CREATE INDEX analyses_level ON analyses(risk_level);

-- One alert per event cluster, updated as the cluster grows.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL UNIQUE REFERENCES events(id),
    post_id     INTEGER NOT NULL REFERENCES posts(id),
    level       TEXT NOT NULL,
    risk_score  INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'new',
    post_count  INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX alerts_updated ON alerts(updated_at);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
