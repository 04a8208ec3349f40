-- Every case fact the coordinator announces, kept for supervision's reports and unit rankings.
-- depends: 0001_supervision

CREATE TABLE case_facts (
    message_id  uuid        PRIMARY KEY,
    case_id     text        NOT NULL,
    fact        text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    detail      jsonb       NOT NULL
);
CREATE INDEX case_facts_by_case ON case_facts (case_id, occurred_at);
CREATE INDEX case_facts_by_day ON case_facts (occurred_at, fact);
