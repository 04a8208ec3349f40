-- The inspection group's board and letter list: open watches by deadline, and letters by when they went out
-- (a letter is its watch's reminder_sent_at or overdue_sent_at; the list reads them newest first).
-- depends: 0003_referral_closures

CREATE INDEX watches_open_by_due ON watches (due_at) WHERE closed_at IS NULL;
CREATE INDEX watches_by_reminder_sent ON watches (reminder_sent_at) WHERE reminder_sent_at IS NOT NULL;
CREATE INDEX watches_by_overdue_sent ON watches (overdue_sent_at) WHERE overdue_sent_at IS NOT NULL;
