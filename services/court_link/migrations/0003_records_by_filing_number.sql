-- A filing the court fed as its record (POST /api/v1/records) is found by the filing number its details carry,
-- whatever record id it was fed under: registered afterwards, the filing joins that record's case and is not
-- fed or counted a second time.
-- depends: 0002_calendar

CREATE INDEX records_by_filing_number ON records ((details ->> 'filing_number'));
