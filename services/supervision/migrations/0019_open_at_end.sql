-- The report's cases still handled at a period's end (期末在办案件数, definitions 2026-12.5) sum one counter
-- (rounds opened less rounds ended) over every day up to the period's last: this index reads them for one scope in
-- day order, a row a day, whatever else the counters hold. The new definitions make the rebuild recount every case,
-- which adds that counter for the cases kept before.
-- depends: 0018_watch_earliest_end

CREATE INDEX report_counters_rounds_open ON report_counters (scope, day) INCLUDE (value)
    WHERE unit = '' AND dim = '' AND metric = 'rounds_opened_less_ended';
