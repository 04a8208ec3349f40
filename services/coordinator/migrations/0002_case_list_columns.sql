-- What the case list filters on and the leaders' overview counts, kept beside each case's state
-- document (still the truth) so that tens of thousands of cases are searched by index: the
-- registered facts and rating as columns, and one row per referral. The store writes them with
-- the state; existing cases are filled in from their documents here.
-- depends: 0001_coordinator

-- Trigram indexes answer "contains" searches in the summaries (Chinese included) and case id prefixes.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Division codes are compared byte by byte, so that a place's prefix search can use its index.
ALTER TABLE cases
    ADD COLUMN source        text,
    ADD COLUMN category      text,
    ADD COLUMN division_code text COLLATE "C",
    ADD COLUMN summary       text,
    ADD COLUMN rating        text;

UPDATE cases SET
    source        = state -> 'facts' ->> 'source',
    category      = state -> 'facts' ->> 'category',
    division_code = state -> 'facts' ->> 'division_code',
    summary       = registered ->> 'summary',
    rating        = state ->> 'rating';

ALTER TABLE cases
    ALTER COLUMN source SET NOT NULL,
    ALTER COLUMN category SET NOT NULL,
    ALTER COLUMN division_code SET NOT NULL;

CREATE INDEX cases_by_update ON cases (updated_at, case_id);
CREATE INDEX cases_by_source ON cases (source, updated_at);
CREATE INDEX cases_by_category ON cases (category, updated_at);
CREATE INDEX cases_by_place ON cases (division_code);
CREATE INDEX cases_by_registration ON cases (created_at);
CREATE INDEX cases_by_summary_text ON cases USING gin (summary gin_trgm_ops);
CREATE INDEX cases_by_id_text ON cases USING gin (case_id gin_trgm_ops);

-- Unit codes are '<agency>:<division>': a unit's prefix finds it and the units of its agency below it.
CREATE TABLE case_referrals (
    case_id     text        NOT NULL REFERENCES cases (case_id),
    referral_id uuid        NOT NULL,
    unit        text        COLLATE "C" NOT NULL,
    round       integer     NOT NULL,
    status      text        NOT NULL,
    due_at      timestamptz NOT NULL,
    closed_at   timestamptz,
    PRIMARY KEY (case_id, referral_id)
);
CREATE INDEX case_referrals_by_unit ON case_referrals (unit, case_id);
CREATE INDEX case_referrals_open_by_due ON case_referrals (due_at, case_id) WHERE status IN ('issued', 'accepted');

INSERT INTO case_referrals (case_id, referral_id, unit, round, status, due_at, closed_at)
SELECT c.case_id, (r ->> 'referral_id')::uuid, r ->> 'unit', (r ->> 'round')::integer, r ->> 'status',
       (r ->> 'due_at')::timestamptz, (r ->> 'closed_at')::timestamptz
FROM cases c, jsonb_array_elements(c.state -> 'referrals') AS r;
