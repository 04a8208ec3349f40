-- Spot checks (回访抽查) of closed cases drawn at random each period, with their findings, and the
-- high-frequency clue alerts (高频线索预警) intake raises. The reports read `spot_check_draws` and
-- `spot_checks` (columns documented in services/supervision/README.md).
-- depends: 0006_link_facts

CREATE TABLE spot_check_draws (
    draw_id      uuid        PRIMARY KEY,
    trigger      text        NOT NULL,  -- scheduled (the timer, once a period) or on_demand (a supervisor)
    period_start date        NOT NULL,  -- China local dates, both included
    period_end   date        NOT NULL,
    share_percent numeric(5, 2) NOT NULL,
    minimum      integer     NOT NULL,
    closed_count integer     NOT NULL,  -- cases closed in the period not drawn before: the population
    drawn_count  integer     NOT NULL,
    seed         text        NOT NULL,  -- random.Random(seed).sample over the sorted population redraws it
    case_ids     jsonb       NOT NULL,  -- the cases drawn, as drawn
    drawn_by     text        NOT NULL,  -- the supervisor's account, or 'timer'
    drawn_at     timestamptz NOT NULL
);
-- Exactly once per period for the timer, however many supervision instances run it.
CREATE UNIQUE INDEX spot_check_draws_once_per_period ON spot_check_draws (period_start, period_end)
    WHERE trigger = 'scheduled';

CREATE TABLE spot_checks (
    case_id     text        NOT NULL,
    round       integer     NOT NULL,  -- the round the case was closed in
    draw_id     uuid        NOT NULL REFERENCES spot_check_draws (draw_id),
    lead_unit   text,
    closed_at   timestamptz NOT NULL,
    drawn_at    timestamptz NOT NULL,
    rating      text,                  -- satisfied, basically_satisfied, dissatisfied; NULL while pending
    comment     text,
    checked_by  text,                  -- the signed-in supervisor who recorded the finding
    found_at    timestamptz,
    reopened    boolean     NOT NULL DEFAULT false,  -- the finding sent the case back (dissatisfied)
    PRIMARY KEY (case_id, round)
);
CREATE INDEX spot_checks_by_closed ON spot_checks (closed_at);
CREATE INDEX spot_checks_pending ON spot_checks (drawn_at) WHERE rating IS NULL;
CREATE INDEX case_facts_closed ON case_facts (occurred_at) WHERE fact = 'CaseClosed';

CREATE TABLE alerts (
    alert_id      uuid        PRIMARY KEY,
    kind          text        NOT NULL,
    person_ref    text        NOT NULL,
    masked_name   text        NOT NULL,
    count         integer     NOT NULL,
    threshold     integer     NOT NULL,
    window_days   integer     NOT NULL,
    window_start  timestamptz NOT NULL,
    case_id       text        NOT NULL,
    case_ids      jsonb       NOT NULL,
    division_code text        NOT NULL,
    raised_at     timestamptz NOT NULL,
    handled_at    timestamptz,
    handled_by    text,
    note          text
);
CREATE INDEX alerts_open ON alerts (raised_at) WHERE handled_at IS NULL;
