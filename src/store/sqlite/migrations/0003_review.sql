-- Users, commentator groups, sessions; alert handling (assignment, SLA,
-- responses) and the append-only audit log.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,          -- comma-separated: admin,monitor,…
    disabled      INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE user_groups (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    name     TEXT NOT NULL UNIQUE,
    lead_id  INTEGER REFERENCES users(id)
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES user_groups(id),
    user_id  INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,        -- SHA-256 of the cookie value
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

ALTER TABLE alerts ADD COLUMN assignee_id INTEGER REFERENCES users(id);
ALTER TABLE alerts ADD COLUMN group_id INTEGER REFERENCES user_groups(id);
ALTER TABLE alerts ADD COLUMN assigned_at TEXT;
ALTER TABLE alerts ADD COLUMN due_at TEXT;
ALTER TABLE alerts ADD COLUMN escalated_at TEXT;
ALTER TABLE alerts ADD COLUMN closed_at TEXT;
ALTER TABLE alerts ADD COLUMN false_positive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN locked_by INTEGER REFERENCES users(id);
ALTER TABLE alerts ADD COLUMN locked_until TEXT;
CREATE INDEX alerts_assignee ON alerts(assignee_id, state);
CREATE INDEX alerts_due ON alerts(due_at);

CREATE TABLE alert_responses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id   INTEGER NOT NULL REFERENCES alerts(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    text       TEXT NOT NULL,
    link       TEXT,
    channel    TEXT,
    created_at TEXT NOT NULL
);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users(id),   -- NULL: the system (SLA, routing)
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   INTEGER NOT NULL,
    before      TEXT,
    after       TEXT,
    note        TEXT
);
CREATE INDEX audit_target ON audit_log(target_type, target_id);
