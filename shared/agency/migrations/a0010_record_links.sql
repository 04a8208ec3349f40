-- The case each of the agency's fed records joined when intake linked it to an existing case as a repeat
-- (RecordLinked). A record that opened a case is not here: its referrals name it (`source_record_id`). No key to
-- `records`: a record kept before a restore of this database, or fed by an earlier build, is linked all the same.
-- depends: a0009_notices

CREATE TABLE record_links (
    record_id      text        PRIMARY KEY,
    case_id        text        NOT NULL,
    reason         text        NOT NULL,
    unit           text        NOT NULL,
    fed_message_id uuid        NOT NULL,
    linked_at      timestamptz NOT NULL,
    received_at    timestamptz NOT NULL
);
CREATE INDEX record_links_by_case ON record_links (case_id);
