-- The register is read a page at a time, the latest noted first: the order the pages are cut in, indexed.
-- depends: 0004_alerts

CREATE INDEX risk_register_latest ON risk_register (noted_at DESC, case_id);
