-- The political-legal committee's risk register: cases whose flags call for a warning colour.
-- depends: s0001_messaging

CREATE TABLE risk_register (
    case_id       text        PRIMARY KEY,
    colour        text        NOT NULL,
    flags         jsonb       NOT NULL,
    category      text        NOT NULL,
    division_code text        NOT NULL,
    lead_unit     text,
    noted_at      timestamptz NOT NULL
);
