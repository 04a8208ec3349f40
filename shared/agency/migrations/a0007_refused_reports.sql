-- The result or decline that finished a referral, as sent to the centre, and the status it had before: should
-- the centre refuse that very report (MessageRejected), the referral goes back to that status, and the refusal
-- is kept on it to show until the unit acts again.
-- depends: a0006_rejections

ALTER TABLE referrals ADD COLUMN finished_by uuid;
ALTER TABLE referrals ADD COLUMN finished_from text;
ALTER TABLE referrals ADD COLUMN refusal jsonb;
