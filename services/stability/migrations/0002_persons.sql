-- Every stability lead on the register in its own colour (the lead record it came from), and the
-- person-level warning file (三色预警档案, 一人一档): persons under source control, the facts their
-- colour is computed from, and the leader answering for each (包案领导, 一人一案).
-- depends: 0001_risk_register

ALTER TABLE risk_register ADD COLUMN record_id text;

CREATE TABLE persons (
    person_id     uuid        PRIMARY KEY,
    name          text        NOT NULL,
    id_key        text        UNIQUE,
    contact_key   text        UNIQUE,
    division_code text        NOT NULL,
    case_ids      jsonb       NOT NULL DEFAULT '[]',
    record_ids    jsonb       NOT NULL DEFAULT '[]',
    leader        jsonb,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE person_events (
    event_id      uuid        PRIMARY KEY,
    person_id     uuid        NOT NULL REFERENCES persons (person_id),
    kind          text        NOT NULL,
    case_id       text,
    at            timestamptz NOT NULL,
    detail        text        NOT NULL,
    size          integer,
    criminal_risk boolean     NOT NULL DEFAULT false,
    recorded_by   text        NOT NULL,
    recorded_at   timestamptz NOT NULL
);
CREATE INDEX person_events_person ON person_events (person_id, at);
