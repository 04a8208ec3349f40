-- The result of the round a follow-up asks about (CaseResolved version 3 on; NULL before it): a round that took the
-- dispute into a statutory procedure (导入诉讼 …) closes whatever the citizen says, and the rating page says so.
-- depends: 0015_notice_numbers_given

ALTER TABLE follow_ups ADD COLUMN result text;

-- The visits opened before this column, from the CaseResolved each was opened by (kept in case_facts), so that a
-- rating given after the upgrade is judged as the coordinator judges it.
UPDATE follow_ups f SET result = c.detail->>'result'
FROM case_facts c
WHERE c.fact = 'CaseResolved' AND c.case_id = f.case_id AND (c.detail->>'round')::int = f.round
  AND c.detail->>'result' IS NOT NULL;
