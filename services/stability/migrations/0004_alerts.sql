-- High-frequency clue alerts (高频线索预警) from intake, for the political-legal committee's officers:
-- codes, counts, case numbers and a masked name, never an ID or mobile number.
-- depends: 0003_person_case_facts

CREATE TABLE alerts (
    alert_id      uuid        PRIMARY KEY,
    kind          text        NOT NULL,
    person_ref    text        NOT NULL,
    masked_name   text        NOT NULL,
    count         integer     NOT NULL,
    threshold     integer     NOT NULL,
    window_days   integer     NOT NULL,
    window_start  timestamptz NOT NULL,
    case_id       text        NOT NULL,
    case_ids      jsonb       NOT NULL,
    division_code text        NOT NULL,
    unit          text        NOT NULL,  -- the committee's unit the alert was addressed to
    raised_at     timestamptz NOT NULL
);
CREATE INDEX alerts_by_raised ON alerts (raised_at DESC);
