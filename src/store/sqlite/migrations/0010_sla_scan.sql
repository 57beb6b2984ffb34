-- The SLA pass asks for open, not yet escalated alerts past their due
-- time. `alerts_due` made it visit every alert that ever had a due time
-- (most of them long closed) and fetch each to test its state: 0.1–0.6 s
-- per pass at 100,000 alerts. This index holds only the alerts the pass
-- can return; its condition is the query's, word for word, so that the
-- planner can prove it applies (`Store::overdue_alerts`).
CREATE INDEX alerts_sla ON alerts(due_at) WHERE state NOT IN ('resolved', 'dismissed', 'escalated', 'responded');
