-- When a round's visit was called off before it asked the citizen: a petition linked to the case while the visit
-- waited reopened it (CaseReopened, cause repeat_report), and the new round is visited in its turn. NULL: not called
-- off. A visit called off is no longer pending, and its rating link and rating are refused.
-- depends: 0016_follow_up_result

ALTER TABLE follow_ups ADD COLUMN called_off_at timestamptz;
DROP INDEX follow_ups_pending;
CREATE INDEX follow_ups_pending ON follow_ups (opened_at) WHERE rating IS NULL AND called_off_at IS NULL;
