-- Notifications (WeCom / DingTalk robots, signed webhooks), PostgreSQL.

-- What each notification channel last said about each alert: the level (as
-- a rank, none = 0 … critical = 4) and the event's post count then. A copy
-- joining the event notifies again only when the level rises or the count
-- grows by the channel's step; the conditional upsert on this table is the
-- atomic claim that keeps two processes from notifying twice.
CREATE TABLE notify_marks (
    channel    TEXT NOT NULL,
    alert_id   BIGINT NOT NULL REFERENCES alerts(id),
    level_rank BIGINT NOT NULL,
    post_count BIGINT NOT NULL,
    marked_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, alert_id)
);

-- Alerts waiting to be sent on a channel (quiet hours, weekday switches,
-- minimum interval, digest window, rate budget): one row per channel and
-- alert, the alert as it was last seen.
CREATE TABLE notify_queue (
    channel    TEXT NOT NULL,
    alert_id   BIGINT NOT NULL REFERENCES alerts(id),
    reason     TEXT NOT NULL,
    level_rank BIGINT NOT NULL,
    snapshot   JSONB NOT NULL,
    queued_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, alert_id)
);

-- The delivery log: one row per message, written before it is sent. The
-- payload is the exact body sent (signatures cover it), so it is TEXT.
CREATE TABLE notify_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         TEXT NOT NULL,
    alert_ids       JSONB NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(channel, state, next_attempt_at);

-- Every request made to a channel, for its messages-a-minute budget.
CREATE TABLE notify_attempts (
    delivery_id BIGINT NOT NULL REFERENCES notify_deliveries(id),
    channel     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE INDEX notify_attempts_channel ON notify_attempts(channel, at);

-- One dispatcher per channel at a time (a lease), and a pause after the
-- robot said it is throttling us.
CREATE TABLE notify_channels (
    name         TEXT PRIMARY KEY,
    lease_owner  TEXT,
    lease_until  TIMESTAMPTZ,
    paused_until TIMESTAMPTZ
);
