-- Notifications (WeCom / DingTalk robots, signed webhooks). Times are
-- RFC 3339 UTC text.

-- What each notification channel last said about each alert: the level (as
-- a rank, none = 0 … critical = 4) and the event's post count then. A copy
-- joining the event notifies again only when the level rises or the count
-- grows by the channel's step; the conditional upsert on this table is the
-- atomic claim that keeps two processes from notifying twice.
CREATE TABLE notify_marks (
    channel    TEXT NOT NULL,
    alert_id   INTEGER NOT NULL REFERENCES alerts(id),
    level_rank INTEGER NOT NULL,
    post_count INTEGER NOT NULL,
    marked_at  TEXT NOT NULL,
    PRIMARY KEY (channel, alert_id)
);

-- Alerts waiting to be sent on a channel (quiet hours, weekday switches,
-- minimum interval, digest window, rate budget): one row per channel and
-- alert, the alert as it was last seen (JSON).
CREATE TABLE notify_queue (
    channel    TEXT NOT NULL,
    alert_id   INTEGER NOT NULL REFERENCES alerts(id),
    reason     TEXT NOT NULL,
    level_rank INTEGER NOT NULL,
    snapshot   TEXT NOT NULL, -- JSON
    queued_at  TEXT NOT NULL,
    PRIMARY KEY (channel, alert_id)
);

-- The delivery log: one row per message, written before it is sent.
CREATE TABLE notify_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    channel         TEXT NOT NULL,
    alert_ids       TEXT NOT NULL, -- JSON array
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(channel, state, next_attempt_at);

-- Every request made to a channel, for its messages-a-minute budget.
CREATE TABLE notify_attempts (
    delivery_id INTEGER NOT NULL REFERENCES notify_deliveries(id),
    channel     TEXT NOT NULL,
    at          TEXT NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE INDEX notify_attempts_channel ON notify_attempts(channel, at);

-- One dispatcher per channel at a time (a lease), and a pause after the
-- robot said it is throttling us.
CREATE TABLE notify_channels (
    name         TEXT PRIMARY KEY,
    lease_owner  TEXT,
    lease_until  TEXT,
    paused_until TEXT
);
