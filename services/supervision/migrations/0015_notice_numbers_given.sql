-- The 文号 a scheduled 通报 first went out under, when the archive no longer holds it: a restore of this database
-- to an earlier point writes them here from the numbers the agencies kept (wuyuan/restore_document_numbers.py), and
-- the timer issues that 通报 again under its first number instead of taking a new one.
-- depends: 0014_document_issuer

CREATE TABLE notice_numbers_given (
    document_id uuid    PRIMARY KEY,
    number      text    NOT NULL,
    year        integer NOT NULL,
    seq         integer NOT NULL
);
