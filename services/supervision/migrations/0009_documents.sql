-- 两函一通报 as documents: every 提醒函, 督办函 and 通报 numbered (文号) and archived as issued, never changed.
-- depends: 0006_link_facts

-- The last number given per kind and year. Taking one is an upsert that row-locks the counter until the
-- issuing transaction ends, so two supervision instances never share a number, and a rolled-back issue
-- gives its number back (no gap).
CREATE TABLE document_numbers (
    kind text    NOT NULL,
    year integer NOT NULL,
    last integer NOT NULL,
    PRIMARY KEY (kind, year)
);

CREATE TABLE documents (
    id            uuid        PRIMARY KEY,
    number        text        NOT NULL UNIQUE,
    kind          text        NOT NULL,
    year          integer     NOT NULL,
    seq           integer     NOT NULL,
    case_id       text,
    referral_id   uuid,
    unit          text,
    superior_unit text,
    units         text[]      NOT NULL,  -- every unit it is addressed to or names: listed per unit
    period_from   date,
    period_to     date,
    issued_at     timestamptz NOT NULL,
    facts         jsonb       NOT NULL,  -- what it was made from; the PDF is rendered from these on demand
    html          text        NOT NULL,  -- the document as issued
    UNIQUE (kind, year, seq)
);
CREATE INDEX documents_by_issue ON documents (issued_at DESC);
CREATE INDEX documents_by_case ON documents (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX documents_by_units ON documents USING gin (units);
-- One letter of a kind per referral, however often the timer runs.
CREATE UNIQUE INDEX documents_one_letter ON documents (referral_id, kind) WHERE referral_id IS NOT NULL;
-- One scheduled 通报 per period, even with two instances on the same timer.
CREATE UNIQUE INDEX documents_one_scheduled_notice ON documents (kind, period_from, period_to)
    WHERE (facts ->> 'scheduled')::boolean;

CREATE FUNCTION documents_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'document % is archived as issued and cannot be changed', OLD.number;
END $$;
CREATE TRIGGER documents_never_change BEFORE UPDATE OR DELETE ON documents
    FOR EACH ROW EXECUTE FUNCTION documents_are_final();
