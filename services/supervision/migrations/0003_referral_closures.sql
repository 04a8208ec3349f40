-- A unit's part that ended before supervision heard that it began: a ReferralClosed handled
-- before the CaseAssigned or UnitDesignated that starts its watch (a message that failed once
-- comes back from the retry queue behind later ones). The watch, when it comes, starts closed.
-- depends: 0002_case_facts

CREATE TABLE referral_closures (
    referral_id uuid        PRIMARY KEY,
    case_id     text        NOT NULL,
    closed_at   timestamptz NOT NULL
);
