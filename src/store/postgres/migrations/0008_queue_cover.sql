-- The queue's default view (open states, by risk or time) and its filters on
-- the alert's own columns, a queue search's event ids included, read this
-- index alone: without it every open alert was fetched from the table to be
-- sorted or tested (docs/performance.md).
CREATE INDEX alerts_queue ON alerts(state, risk_score, created_at, updated_at, level, assignee_id, group_id, due_at, event_id);
