-- High-frequency clue alerts (高频线索预警): each report's identified parties by side, keyed as repeats are
-- (party keys are HMAC digests, never ID numbers, mobiles or names), and each alert raised, once per
-- (kind, party) and window.
-- depends: 0004_registered_by

CREATE TABLE report_sightings (
    report_id      uuid        NOT NULL,
    case_id        text        NOT NULL REFERENCES cases (case_id),
    party_key      text        NOT NULL,
    kind           text        NOT NULL,  -- repeated_applicant: the party applied; shared_respondent: it was named
    applicant_keys text[]      NOT NULL,  -- the report's applicants, for distinct applicants per respondent
    received_at    timestamptz NOT NULL,
    PRIMARY KEY (party_key, kind, report_id)
);
CREATE INDEX report_sightings_by_party ON report_sightings (party_key, kind, received_at);

CREATE TABLE frequent_report_alerts (
    alert_id     uuid        PRIMARY KEY,
    kind         text        NOT NULL,
    party_key    text        NOT NULL,
    count        integer     NOT NULL,
    case_ids     jsonb       NOT NULL,
    window_start timestamptz NOT NULL,
    raised_at    timestamptz NOT NULL
);
CREATE INDEX frequent_report_alerts_by_party ON frequent_report_alerts (party_key, kind, raised_at);
