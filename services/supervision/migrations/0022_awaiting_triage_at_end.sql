-- The report's cases still waiting for manual triage at a period's end (期末待人工分流案件数, definitions 2026-12.6)
-- sum one counter (waits begun less waits ended) over every day up to the period's last, as the cases still handled
-- do (0019): this index reads them for one scope in day order, a row a day. The new definitions make the rebuild
-- recount every case, which adds that counter, and counts as received a case first seen waiting.
-- depends: 0021_recovered_letters

CREATE INDEX report_counters_triage_waits ON report_counters (scope, day) INCLUDE (value)
    WHERE unit = '' AND dim = '' AND metric = 'triage_waits_begun_less_ended';
