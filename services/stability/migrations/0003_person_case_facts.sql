-- What the platform says about every case, for the person file: each case's source and flags as
-- triaged, and each unit that let its deadline pass. A person's colour is computed from the facts of
-- the cases on their file, beside what officers record by hand.
-- depends: 0002_persons

CREATE TABLE case_histories (
    case_id     text        PRIMARY KEY,
    source      text,
    flags       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    assigned_at timestamptz
);

CREATE TABLE overdue_referrals (
    referral_id uuid        PRIMARY KEY,
    case_id     text        NOT NULL,
    unit        text        NOT NULL,
    due_at      timestamptz NOT NULL,
    noted_at    timestamptz NOT NULL
);
CREATE INDEX overdue_referrals_by_case ON overdue_referrals (case_id);
CREATE INDEX risk_register_by_record ON risk_register (record_id) WHERE record_id IS NOT NULL;
