-- Repeat matching reads every key of each candidate case; without this, each read scans the table.
-- depends: 0001_intake

CREATE INDEX case_keys_by_case ON case_keys (case_id);
