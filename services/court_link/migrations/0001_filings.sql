-- 诉源: every filing the court registers with its screening decision (诉前调解 or 立案), what came of
-- a diverted one's mediation, its applications for 司法确认, and who did what to it.
-- depends: a0003_source_record

CREATE TABLE filings (
    filing_number         text          PRIMARY KEY,
    unit                  text          NOT NULL,
    case_type             text          NOT NULL CHECK (case_type IN ('civil', 'commercial', 'administrative')),
    administrative_matter text,
    filed_on              date          NOT NULL,
    category              text          NOT NULL,
    division_code         text          NOT NULL,
    summary               text          NOT NULL,
    parties               jsonb         NOT NULL,  -- names and roles; ID and mobile numbers are intake's alone
    claim_amount_yuan     numeric(15, 2),
    legal_relation_clear  boolean       NOT NULL,
    facts_clear           boolean       NOT NULL,
    parties_consent       boolean       NOT NULL,
    decision              text          NOT NULL CHECK (decision IN ('diverted', 'filed')),
    reasons               jsonb         NOT NULL DEFAULT '[]'::jsonb,  -- why not diverted, as codes
    status                text          NOT NULL CHECK (status IN ('filed', 'in_mediation', 'mediated', 'returned')),
    diverted_on           date,
    mediation_due_on      date,
    agreement             jsonb,
    mediated_on           date,
    returned_on           date,
    return_reason         text,
    litigation_number     text,
    message_id            uuid,         -- the RegisterDispute that fed a diverted filing to intake
    registered_by         text          NOT NULL,
    registered_at         timestamptz   NOT NULL,
    updated_at            timestamptz   NOT NULL,
    CHECK ((decision = 'diverted') = (diverted_on IS NOT NULL AND mediation_due_on IS NOT NULL)),
    CHECK ((decision = 'filed') = (status = 'filed'))
);
-- The figures count the filings of a period of filing days; the list shows the latest registered first.
CREATE INDEX filings_by_filed_on ON filings (filed_on);
CREATE INDEX filings_by_registered_at ON filings (registered_at DESC, filing_number);

CREATE TABLE confirmations (
    filing_number      text     NOT NULL REFERENCES filings (filing_number),
    seq                integer  NOT NULL CHECK (seq >= 1),
    agreement          jsonb    NOT NULL,
    effective_on       date     NOT NULL,
    applied_on         date     NOT NULL,
    application_due_on date     NOT NULL,
    accepted_on        date     NOT NULL,
    decision_due_on    date     NOT NULL,
    status             text     NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused')),
    extended           boolean  NOT NULL DEFAULT false,
    extension_reason   text,
    decided_on         date,
    decision_reason    text,
    PRIMARY KEY (filing_number, seq)
);

CREATE TABLE filing_log (
    id            bigserial   PRIMARY KEY,
    filing_number text        NOT NULL REFERENCES filings (filing_number),
    kind          text        NOT NULL,
    officer       text        NOT NULL,
    detail        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    at            timestamptz NOT NULL
);
CREATE INDEX filing_log_by_filing ON filing_log (filing_number, id);
