-- A referral's clock may stand still while the unit waits for a party, a court's confirmation (司法确认)
-- or an appraisal (鉴定): when it was paused, why (a PauseReason code, with a note for `other`), and how
-- many times it has been paused, which numbers each ClockPaused and ClockResumed sent to the centre.
-- Referrals received before it were never paused.
-- depends: a0002_results

ALTER TABLE referrals
    ADD COLUMN paused_at    timestamptz,
    ADD COLUMN pause_reason text,
    ADD COLUMN pause_note   text,
    ADD COLUMN pauses       integer NOT NULL DEFAULT 0;
