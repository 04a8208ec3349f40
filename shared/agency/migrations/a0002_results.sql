-- Each referral's result code and, for a mediated or confirmed result, the agreement the parties
-- signed (as JSON: number, signed_on, terms). Referrals reported before result codes said only
-- resolved or not; they read as the codes those stood for (shared.contracts LEGACY_RESULTS).
-- depends: a0001_agency

ALTER TABLE referrals
    ADD COLUMN result    text,
    ADD COLUMN agreement jsonb;

UPDATE referrals
SET result = CASE outcome WHEN 'resolved' THEN 'handled' WHEN 'unresolved' THEN 'mediation_failed' END
WHERE status = 'reported' AND outcome IS NOT NULL;
