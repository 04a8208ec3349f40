-- The leaders' report (报表): each unit's own result when its part ended before the round (ReferralClosed v2),
-- so that a unit's 化解率 counts what it reported; and the indexes the report's period reads by.
-- depends: 0006_link_facts

CREATE TABLE referral_results (
    referral_id uuid        PRIMARY KEY,
    case_id     text        NOT NULL,
    unit        text        NOT NULL,
    reason      text        NOT NULL,
    result      text,
    ended_at    timestamptz NOT NULL
);
CREATE INDEX watches_by_closed ON watches (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX follow_ups_by_rated ON follow_ups (rated_at) WHERE rated_at IS NOT NULL;
