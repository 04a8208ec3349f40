-- Coordinator: each case's current state (one row, locked while it changes) and its append-only timeline.
-- depends: s0001_messaging

CREATE TABLE cases (
    case_id    text        PRIMARY KEY,
    status     text        NOT NULL,
    state      jsonb       NOT NULL,
    registered jsonb       NOT NULL,
    trace      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    version    integer     NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX cases_by_status ON cases (status, updated_at);

CREATE TABLE timeline (
    case_id text        NOT NULL REFERENCES cases (case_id),
    seq     integer     NOT NULL,
    at      timestamptz NOT NULL,
    kind    text        NOT NULL,
    detail  jsonb       NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- The timeline is a record of what happened: entries are added, never changed or removed.
CREATE FUNCTION timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the case timeline is append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION timeline_is_append_only();
