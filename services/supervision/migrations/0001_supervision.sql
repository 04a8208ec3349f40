-- Supervision: one watch per referral (its deadline and the letters sent), one follow-up per resolved round.
-- depends: s0001_messaging

CREATE TABLE watches (
    referral_id      uuid        PRIMARY KEY,
    case_id          text        NOT NULL,
    unit             text        NOT NULL,
    role             text        NOT NULL,
    round            integer     NOT NULL,
    issued_at        timestamptz NOT NULL,
    due_at           timestamptz NOT NULL,
    reminder_at      timestamptz NOT NULL,
    closed_at        timestamptz,
    reminder_sent_at timestamptz,
    overdue_sent_at  timestamptz,
    trace            jsonb       NOT NULL DEFAULT '{}'::jsonb
);
-- The timer only ever looks at open watches whose next letter may be due.
CREATE INDEX watches_open_by_reminder ON watches (reminder_at) WHERE closed_at IS NULL AND overdue_sent_at IS NULL;
CREATE INDEX watches_by_case ON watches (case_id);

CREATE TABLE follow_ups (
    case_id   text        NOT NULL,
    round     integer     NOT NULL,
    lead_unit text,
    opened_at timestamptz NOT NULL,
    rating    text,
    comment   text,
    visitor   text,
    rated_at  timestamptz,
    trace     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (case_id, round)
);
CREATE INDEX follow_ups_pending ON follow_ups (opened_at) WHERE rating IS NULL;
