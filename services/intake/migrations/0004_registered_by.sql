-- Who registered each report: the signed-in window clerk, or the agency officer who fed the record.
-- depends: 0003_personal_data

ALTER TABLE reports ADD COLUMN registered_by text;
