-- One filing number is one filing, whatever form it was typed in: "(2026)湘0426民初123号" and
-- "（2026）湘0426民初123号" (full-width digits too) name the same filing. New filings and records are kept in the
-- official form (full-width brackets, ASCII digits: `domain/numbers.py`, `official`); the rows kept before stay in
-- the form they came in, since the record ids among them are known under that form to intake and the coordinator,
-- whose referrals carry them back (`source_record_id`). Every lookup compares numbers by this key instead, the same
-- mapping as `official`. Two filings registered under two forms of one number before this migration stay two: each
-- is found under its own form, any other form finds the first registered.
-- depends: 0003_records_by_filing_number

CREATE FUNCTION filing_number_key(number text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate(number, '()０１２３４５６７８９', '（）0123456789') $$;

CREATE INDEX filings_by_number_key ON filings (filing_number_key(filing_number));
-- A record fed for a filing is found by the key of its id or of the number its details carry.
DROP INDEX records_by_filing_number;
CREATE INDEX records_by_filing_number_key ON records (filing_number_key(details ->> 'filing_number'));
CREATE INDEX records_by_record_id_key ON records (filing_number_key(record_id));
-- The referrals of the case a filing became carry the record id it was fed under, in whatever form.
CREATE INDEX referrals_by_source_record_key ON referrals (filing_number_key(source_record_id));
