-- The queue's source and channel filters read the alert's own copy of its
-- post's source and channel (a post never changes either), so that they
-- are answered from the covering index instead of fetching the post of
-- every open alert (0.06–0.22 s per count at 1M posts; docs/performance.md).
ALTER TABLE alerts ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN channel TEXT NOT NULL DEFAULT '';

UPDATE alerts SET
    source = (SELECT p.source FROM posts p WHERE p.id = alerts.post_id),
    channel = (SELECT p.channel FROM posts p WHERE p.id = alerts.post_id);

CREATE TRIGGER alerts_copy_post_insert AFTER INSERT ON alerts
BEGIN
    UPDATE alerts SET
        source = (SELECT p.source FROM posts p WHERE p.id = NEW.post_id),
        channel = (SELECT p.channel FROM posts p WHERE p.id = NEW.post_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER alerts_copy_post_move AFTER UPDATE OF post_id ON alerts
WHEN NEW.post_id IS NOT OLD.post_id
BEGIN
    UPDATE alerts SET
        source = (SELECT p.source FROM posts p WHERE p.id = NEW.post_id),
        channel = (SELECT p.channel FROM posts p WHERE p.id = NEW.post_id)
    WHERE id = NEW.id;
END;

DROP INDEX alerts_queue;
CREATE INDEX alerts_queue ON alerts(state, risk_score, created_at, updated_at, level, assignee_id, group_id, due_at, event_id, sentiment_label, categories, source, channel);
