-- The petition register: each petition once by its number, with its terms, decision, extension and reply;
-- its petitioners by name, mobile and keyed digests (never an ID number in clear).
-- depends: a0002_results

CREATE TABLE petitions (
    number            text        PRIMARY KEY,
    unit              text        NOT NULL,
    received_on       date        NOT NULL,
    form              text        NOT NULL,
    group_size        integer     NOT NULL CHECK (group_size >= 1),
    category          text        NOT NULL,
    division_code     text        NOT NULL,
    summary           text        NOT NULL,
    litigation_reason text,
    repeat_of         text        REFERENCES petitions (number),
    matter            text        NOT NULL,
    respondents       jsonb       NOT NULL DEFAULT '[]'::jsonb,
    fingerprint       text        NOT NULL,
    status            text        NOT NULL,
    accepted          boolean,
    decision_reason   text,
    decided_on        date,
    extension_days    integer     CHECK (extension_days BETWEEN 1 AND 30),
    extension_reason  text,
    extended_on       date,
    result            text,
    reply_summary     text,
    agreement         jsonb,
    replied_on        date,
    fed_message_id    uuid,
    registered_by     text        NOT NULL,
    registered_at     timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX petitions_by_received_on ON petitions (received_on);
CREATE INDEX petitions_by_matter ON petitions (matter);

CREATE TABLE petitioners (
    petition_number text    NOT NULL REFERENCES petitions (number),
    position        integer NOT NULL,
    name            text    NOT NULL,
    phone           text,
    id_key          text,
    contact_key     text,
    PRIMARY KEY (petition_number, position)
);
CREATE INDEX petitioners_by_id_key ON petitioners (id_key) WHERE id_key IS NOT NULL;
CREATE INDEX petitioners_by_contact_key ON petitioners (contact_key) WHERE contact_key IS NOT NULL;
