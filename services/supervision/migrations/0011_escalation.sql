-- 三级 escalation (逾期提级): when supervision asked the coordinator to take a watch's case up one level because
-- the unit stayed overdue past its level's threshold (config/centres.toml). Set once: one EscalateCase per
-- referral. The partial index keeps the timer's search to overdue watches not yet escalated.
-- depends: 0006_link_facts

ALTER TABLE watches ADD COLUMN escalation_sent_at timestamptz;

CREATE INDEX watches_to_escalate ON watches (due_at)
    WHERE closed_at IS NULL AND overdue_sent_at IS NOT NULL AND escalation_sent_at IS NULL;
