-- When a round's visit was called off before it asked the citizen: a petition linked to the case while the visit
-- waited reopened it (CaseReopened, cause repeat_report), and the new round is visited in its turn. NULL: not called
-- off. A visit called off is no longer pending, and its rating link and rating are refused.
-- Visits such a reopening already followed (kept in case_facts: a coordinator that reopens so, running before this
-- migration) are called off here, at the reopening.
-- depends: 0016_follow_up_result

ALTER TABLE follow_ups ADD COLUMN called_off_at timestamptz;
UPDATE follow_ups f SET called_off_at = c.occurred_at
FROM case_facts c
WHERE c.case_id = f.case_id AND c.fact = 'CaseReopened' AND c.detail->>'cause' = 'repeat_report'
  AND c.detail->>'round' = (f.round + 1)::text AND f.rating IS NULL;
DROP INDEX follow_ups_pending;
CREATE INDEX follow_ups_pending ON follow_ups (opened_at) WHERE rating IS NULL AND called_off_at IS NULL;
