-- The queue's category and sentiment filters read the alert's own copy of
-- its post's analysis (categories, sentiment label), so that they are
-- answered from the covering index instead of fetching one `analyses` row
-- per open alert (the p99 of the filtered queue: docs/performance.md).
-- Triggers keep the copy in step whichever code path writes: an alert
-- raised or moved to another post, an analysis stored or replaced.
ALTER TABLE alerts ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE alerts ADD COLUMN sentiment_label TEXT NOT NULL DEFAULT '';

UPDATE alerts SET
    categories = COALESCE((SELECT an.categories FROM analyses an WHERE an.post_id = alerts.post_id), '[]'),
    sentiment_label = COALESCE((SELECT an.sentiment_label FROM analyses an WHERE an.post_id = alerts.post_id), '');

CREATE INDEX alerts_post ON alerts(post_id);

CREATE TRIGGER alerts_copy_analysis_insert AFTER INSERT ON alerts
BEGIN
    UPDATE alerts SET
        categories = COALESCE((SELECT an.categories FROM analyses an WHERE an.post_id = NEW.post_id), '[]'),
        sentiment_label = COALESCE((SELECT an.sentiment_label FROM analyses an WHERE an.post_id = NEW.post_id), '')
    WHERE id = NEW.id;
END;

CREATE TRIGGER alerts_copy_analysis_move AFTER UPDATE OF post_id ON alerts
WHEN NEW.post_id IS NOT OLD.post_id
BEGIN
    UPDATE alerts SET
        categories = COALESCE((SELECT an.categories FROM analyses an WHERE an.post_id = NEW.post_id), '[]'),
        sentiment_label = COALESCE((SELECT an.sentiment_label FROM analyses an WHERE an.post_id = NEW.post_id), '')
    WHERE id = NEW.id;
END;

CREATE TRIGGER analyses_copy_to_alerts_insert AFTER INSERT ON analyses
BEGIN
    UPDATE alerts SET categories = NEW.categories, sentiment_label = NEW.sentiment_label
    WHERE post_id = NEW.post_id;
END;

CREATE TRIGGER analyses_copy_to_alerts_update AFTER UPDATE OF categories, sentiment_label ON analyses
WHEN NEW.categories IS NOT OLD.categories OR NEW.sentiment_label IS NOT OLD.sentiment_label
BEGIN
    UPDATE alerts SET categories = NEW.categories, sentiment_label = NEW.sentiment_label
    WHERE post_id = NEW.post_id;
END;

DROP INDEX alerts_queue;
CREATE INDEX alerts_queue ON alerts(state, risk_score, created_at, updated_at, level, assignee_id, group_id, due_at, event_id, sentiment_label, categories);
