-- The leaders' report as a read model (issue 14, point 7): daily counters that supervision adds to in the same
-- transaction as each fact it handles, so a month's county report is one indexed aggregate over days, never a
-- scan of the case history. Columns and keys are documented in services/supervision/README.md (报表, read model).
-- depends: 0008_reports

-- One counter per China local day and scope key (a county or township code, or a unit code), naming the unit for
-- a unit's own figures ('' for a case's), the breakdown ('source:<code>', 'category:<code>' or '') and the metric.
-- The primary key is the report's access path: scope, then a range of days.
CREATE TABLE report_counters (
    scope  text   NOT NULL,
    day    date   NOT NULL,
    unit   text   NOT NULL,
    dim    text   NOT NULL,
    metric text   NOT NULL,
    value  bigint NOT NULL,
    PRIMARY KEY (scope, day, unit, dim, metric)
);

-- What each case adds to the counters now ([day, scope, unit, dim, metric, n] rows): a fact handled later
-- recomputes the case and adds only the difference, so redelivered or late facts never count twice.
CREATE TABLE report_cases (
    case_id     text  PRIMARY KEY,
    counters    jsonb NOT NULL,
    definitions text  NOT NULL
);

-- A link decision counts once: set in the transaction that adds it to the counters.
ALTER TABLE link_facts ADD COLUMN counted boolean NOT NULL DEFAULT false;
CREATE INDEX link_facts_uncounted ON link_facts (message_id) WHERE NOT counted;

-- The rebuild from the facts already kept (a deployment from before this migration, or new definitions):
-- supervision's timer walks every case in case_id order from `next_case`, then counts the uncounted link facts.
CREATE TABLE report_rebuild (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    definitions text    NOT NULL,  -- the definitions version the model was (or is being) rebuilt with
    next_case   text    NOT NULL,  -- cases after this one are still to count
    done        boolean NOT NULL
);
INSERT INTO report_rebuild (definitions, next_case, done) VALUES ('', '', false);

-- The letter timer's search with millions of open watches: each open, running watch by the moment its next
-- letter is due (the reminder's until it is sent, then the deadline), so a pass reads only the due ones.
CREATE INDEX watches_next_letter ON watches (
    (CASE WHEN reminder_sent_at IS NULL THEN LEAST(reminder_at, due_at) ELSE due_at END)
) WHERE closed_at IS NULL AND overdue_sent_at IS NULL AND paused_at IS NULL;

-- The board's unit counts (count_open_by_unit) read the open watches alone, from this index (an index-only scan),
-- not every watch kept since the centre began: their near and overdue depend on the clock, so they are counted.
CREATE INDEX watches_open_by_unit ON watches (unit) INCLUDE (due_at, reminder_at, paused_at) WHERE closed_at IS NULL;
