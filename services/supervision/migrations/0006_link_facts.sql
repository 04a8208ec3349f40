-- Every decision a link notes on its own records (LinkRecordNoted), kept once per message for the
-- published rates: supervision counts them without reading the links' databases. Codes and counts only.
-- depends: 0005_paused_clocks

CREATE TABLE link_facts (
    message_id uuid        PRIMARY KEY,
    link       text        NOT NULL,
    record_id  text        NOT NULL,
    kind       text        NOT NULL,
    unit       text        NOT NULL,
    at         timestamptz NOT NULL,
    case_id    text,
    detail     jsonb       NOT NULL
);
CREATE INDEX link_facts_by_day ON link_facts (at, link, kind);
