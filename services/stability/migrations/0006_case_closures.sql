-- When each case of the register last closed (结案), and whether it reopened since: the coordinator's CaseClosed and
-- CaseReopened, which stability takes for the cases of its own leads and the cases with risk flags alone. A row may
-- come before its case's register entry (a fact retried past another); the register reads it when it is there.
-- depends: 0005_risk_register_pages

CREATE TABLE case_closures (
    case_id   text        PRIMARY KEY,
    closed_at timestamptz,          -- when the case closed; null once it reopened
    rating    text,                 -- the citizen's rating it closed with
    fact_at   timestamptz NOT NULL  -- the latest fact applied: an older one that comes late changes nothing
);

-- The cases already in the register when it began to hear of closings may have closed unheard: their state is
-- unknown until a closing or reopening of theirs arrives. Every case entered from now on is heard from its start.
ALTER TABLE risk_register ADD COLUMN closings_heard boolean NOT NULL DEFAULT false;
ALTER TABLE risk_register ALTER COLUMN closings_heard SET DEFAULT true;
