-- The 通报 that named the agency's units, as each was delivered. Supervision archives the notice itself and
-- numbers it from a counter in its own database, which a restore takes back to an earlier point; the numbers
-- kept here let that restore move supervision's 通报 series past every number already given, and give a
-- scheduled notice issued again the number and id it first went out under (wuyuan/restore_document_numbers.py).
-- depends: a0008_refused_report_pauses

CREATE TABLE notices (
    document_id     uuid        NOT NULL,
    unit            text        NOT NULL,
    document_number text        NOT NULL,
    period_from     date        NOT NULL,
    period_to       date        NOT NULL,
    received_at     timestamptz NOT NULL,
    PRIMARY KEY (document_id, unit)
);
