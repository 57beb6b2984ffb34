-- The queue's category and sentiment filters read the alert's own copy of
-- its post's analysis (categories as JSON text, sentiment label), so that
-- they are answered from the covering index instead of fetching one
-- `analyses` row per open alert (docs/performance.md). Triggers keep the
-- copy in step whichever code path writes.
ALTER TABLE alerts ADD COLUMN categories TEXT NOT NULL DEFAULT '[]',
                   ADD COLUMN sentiment_label TEXT NOT NULL DEFAULT '';

UPDATE alerts a SET categories = an.categories::text, sentiment_label = an.sentiment_label
FROM analyses an WHERE an.post_id = a.post_id;

CREATE INDEX alerts_post ON alerts(post_id);

CREATE FUNCTION alerts_copy_analysis() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT an.categories::text, an.sentiment_label INTO NEW.categories, NEW.sentiment_label
    FROM analyses an WHERE an.post_id = NEW.post_id;
    IF NOT FOUND THEN
        NEW.categories := '[]';
        NEW.sentiment_label := '';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER alerts_copy_analysis BEFORE INSERT OR UPDATE OF post_id ON alerts
FOR EACH ROW EXECUTE FUNCTION alerts_copy_analysis();

CREATE FUNCTION analyses_copy_to_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE alerts SET categories = NEW.categories::text, sentiment_label = NEW.sentiment_label
    WHERE post_id = NEW.post_id
      AND (categories <> NEW.categories::text OR sentiment_label <> NEW.sentiment_label);
    RETURN NULL;
END $$;

CREATE TRIGGER analyses_copy_to_alerts AFTER INSERT OR UPDATE OF categories, sentiment_label ON analyses
FOR EACH ROW EXECUTE FUNCTION analyses_copy_to_alerts();

DROP INDEX alerts_queue;
CREATE INDEX alerts_queue ON alerts(state, risk_score, created_at, updated_at, level, assignee_id, group_id, due_at, event_id, sentiment_label, categories);
