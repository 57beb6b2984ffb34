-- The alert queue's sort orders and filters stay index scans at 100,000s of alerts.
CREATE INDEX alerts_risk ON alerts(risk_score, id);
CREATE INDEX alerts_created ON alerts(created_at, id);
CREATE INDEX alerts_state ON alerts(state, created_at);
CREATE INDEX alerts_level ON alerts(level, created_at);
CREATE INDEX alerts_group ON alerts(group_id, state);
CREATE INDEX events_last_seen ON events(last_seen_at);
CREATE INDEX posts_fetched ON posts(fetched_at);
