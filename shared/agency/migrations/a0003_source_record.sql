-- The feeding agency's own record a referral's case came from (ReferralIssued version 2's
-- `source_record_id`, a court filing's number say), so that the agency can tie the referral back
-- to its record. Referrals received before it, and cases from the centre's own channels, have none.
-- depends: a0002_results

ALTER TABLE referrals ADD COLUMN source_record_id text;
CREATE INDEX referrals_by_source_record ON referrals (source_record_id) WHERE source_record_id IS NOT NULL;
