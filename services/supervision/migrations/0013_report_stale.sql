-- The report's read model counted off the message's path: a handler marks the case it changed (one row, in its own
-- transaction) and supervision's timer recounts the marked cases in batches, as a report read does first. A case
-- changed several times within a tick is recounted once.
-- depends: 0012_report_counters

CREATE TABLE report_stale (
    case_id text PRIMARY KEY
);

-- Cases counted as facts came, before this migration, need no mark; link decisions not yet counted are found by
-- link_facts_uncounted (migration 0012), and the recount counts them too.
