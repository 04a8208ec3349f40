-- Tables every agency service keeps: the referrals it received, letters about them, and its own records.
-- depends: s0001_messaging

CREATE TABLE referrals (
    referral_id   uuid        PRIMARY KEY,
    case_id       text        NOT NULL,
    unit          text        NOT NULL,
    role          text        NOT NULL,
    round         integer     NOT NULL,
    status        text        NOT NULL,
    outcome       text,
    category      text        NOT NULL,
    source        text        NOT NULL,
    division_code text        NOT NULL,
    summary       text        NOT NULL,
    flags         jsonb       NOT NULL,
    parties       jsonb       NOT NULL,
    due_at        timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    trace         jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX referrals_by_status ON referrals (status, due_at);

CREATE TABLE referral_log (
    id          bigserial   PRIMARY KEY,
    referral_id uuid        NOT NULL REFERENCES referrals (referral_id),
    kind        text        NOT NULL,
    officer     text,
    detail      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    at          timestamptz NOT NULL
);
CREATE INDEX referral_log_by_referral ON referral_log (referral_id, id);

CREATE TABLE records (
    record_id   text        PRIMARY KEY,
    report      jsonb       NOT NULL,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    message_id  uuid        NOT NULL,
    recorded_at timestamptz NOT NULL
);
