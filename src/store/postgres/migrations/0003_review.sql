-- Users, commentator groups, sessions; alert handling (assignment, SLA,
-- responses) and the append-only audit log.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,          -- comma-separated: admin,monitor,…
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_groups (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    lead_id  BIGINT REFERENCES users(id)
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES user_groups(id),
    user_id  BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,        -- SHA-256 of the cookie value
    user_id      BIGINT NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

ALTER TABLE alerts ADD COLUMN assignee_id BIGINT REFERENCES users(id);
ALTER TABLE alerts ADD COLUMN group_id BIGINT REFERENCES user_groups(id);
ALTER TABLE alerts ADD COLUMN assigned_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN due_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN escalated_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE alerts ADD COLUMN false_positive BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE alerts ADD COLUMN locked_by BIGINT REFERENCES users(id);
ALTER TABLE alerts ADD COLUMN locked_until TIMESTAMPTZ;
CREATE INDEX alerts_assignee ON alerts(assignee_id, state);
CREATE INDEX alerts_due ON alerts(due_at);

CREATE TABLE alert_responses (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id   BIGINT NOT NULL REFERENCES alerts(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    text       TEXT NOT NULL,
    link       TEXT,
    channel    TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT REFERENCES users(id),   -- NULL: the system (SLA, routing)
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   BIGINT NOT NULL,
    before      JSONB,
    after       JSONB,
    note        TEXT
);
CREATE INDEX audit_target ON audit_log(target_type, target_id);
