-- Intake: the cases it opened, every report it received, and the keys repeats are found by.
-- depends: s0001_messaging

CREATE TABLE cases (
    case_id       text        PRIMARY KEY,
    source        text        NOT NULL,
    category      text        NOT NULL,
    division_code text        NOT NULL,
    summary       text        NOT NULL,
    report        jsonb       NOT NULL,
    registered_at timestamptz NOT NULL,
    trace         jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX cases_by_registered ON cases (registered_at);

-- Party keys are SHA-256 digests, never ID numbers in clear.
CREATE TABLE case_keys (
    case_id        text NOT NULL REFERENCES cases (case_id),
    record_key     text,
    applicant_key  text,
    respondent_key text,
    category       text
);
CREATE INDEX case_keys_by_record ON case_keys (record_key) WHERE record_key IS NOT NULL;
CREATE INDEX case_keys_by_pair ON case_keys (applicant_key, respondent_key, category);

CREATE TABLE reports (
    report_id   uuid        PRIMARY KEY,
    case_id     text        NOT NULL REFERENCES cases (case_id),
    source      text        NOT NULL,
    record_key  text,
    linked      boolean     NOT NULL,
    reason      text,
    received_at timestamptz NOT NULL
);
CREATE INDEX reports_by_case ON reports (case_id);

-- Daily case-number sequence per county; the row lock serialises numbering.
CREATE TABLE case_counters (
    county text    NOT NULL,
    day    date    NOT NULL,
    last   integer NOT NULL,
    PRIMARY KEY (county, day)
);
