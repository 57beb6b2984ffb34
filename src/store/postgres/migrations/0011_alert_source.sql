-- The queue's source and channel filters read the alert's own copy of its
-- post's source and channel (a post never changes either), so that they
-- are answered from the covering index instead of fetching the post of
-- every open alert (docs/performance.md).
ALTER TABLE alerts ADD COLUMN source TEXT NOT NULL DEFAULT '',
                   ADD COLUMN channel TEXT NOT NULL DEFAULT '';

UPDATE alerts a SET source = p.source, channel = p.channel FROM posts p WHERE p.id = a.post_id;

CREATE FUNCTION alerts_copy_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT p.source, p.channel INTO NEW.source, NEW.channel FROM posts p WHERE p.id = NEW.post_id;
    RETURN NEW;
END $$;

CREATE TRIGGER alerts_copy_post BEFORE INSERT OR UPDATE OF post_id ON alerts
FOR EACH ROW EXECUTE FUNCTION alerts_copy_post();

DROP INDEX alerts_queue;
CREATE INDEX alerts_queue ON alerts(state, risk_score, created_at, updated_at, level, assignee_id, group_id, due_at, event_id, sentiment_label, categories, source, channel);
