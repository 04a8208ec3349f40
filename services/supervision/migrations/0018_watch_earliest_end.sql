-- A unit's own end (ReferralClosed) handled after the case's resolution (CaseResolved) that came later, from another
-- queue or the retry queue, once left the watch closed at the resolution: its part counted on the day the round was
-- settled, and late if that was past its deadline. The store now keeps the earliest end; this puts right the watches
-- closed so before it, from the unit's own end kept in referral_results, and marks their cases for the report's
-- recount. A 通报 issued since keeps what it said: it is an archived document.
-- depends: 0017_follow_up_called_off

WITH moved AS (
    UPDATE watches w SET closed_at = r.ended_at
    FROM referral_results r
    WHERE r.referral_id = w.referral_id AND w.closed_at > r.ended_at
    RETURNING w.case_id
)
INSERT INTO report_stale (case_id) SELECT DISTINCT case_id FROM moved ON CONFLICT (case_id) DO NOTHING;
