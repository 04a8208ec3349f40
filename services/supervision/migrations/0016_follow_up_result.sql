-- The result of the round a follow-up asks about (CaseResolved version 3 on; NULL before it): a round that took the
-- dispute into a statutory procedure (导入诉讼 …) closes whatever the citizen says, and the rating page says so.
-- depends: 0015_notice_numbers_given

ALTER TABLE follow_ups ADD COLUMN result text;
