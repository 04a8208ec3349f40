-- 案源: every dispute-type police call (矛盾纠纷类警情) a station records: the dispute, the scene as the officer
-- found it, the decision (handed to mediation, 警调对接, or kept by the police in their own procedure, and why),
-- and, for a handed call, what its mediation came to as the centre reported it.
-- depends: a0003_source_record

CREATE TABLE calls (
    call_number            text        PRIMARY KEY,
    unit                   text        NOT NULL,  -- the station (or the county bureau) that took the call
    received_at            timestamptz NOT NULL,
    received_on            date        NOT NULL,  -- the county's calendar day of received_at: figures count by it
    classification         text        NOT NULL,  -- 警情类别, the police's own label
    category               text        NOT NULL,  -- the centre's category it maps to
    division_code          text        NOT NULL,
    summary                text        NOT NULL,
    parties                jsonb       NOT NULL,  -- names and roles; ID and mobile numbers are intake's alone
    violence               boolean     NOT NULL,
    injury                 boolean     NOT NULL,
    weapon_or_threat       boolean     NOT NULL,
    repeat_calls           integer     NOT NULL CHECK (repeat_calls >= 0),
    civil_to_criminal_risk boolean     NOT NULL,
    suitable_for_mediation boolean     NOT NULL,
    offence                text        NOT NULL CHECK (offence IN ('none', 'public_order', 'criminal')),
    flags                  jsonb       NOT NULL,
    decision               text        NOT NULL CHECK (decision IN ('mediation', 'police')),
    procedure              text        CHECK (procedure IN ('criminal', 'public_order', 'police_handling')),
    reasons                jsonb       NOT NULL DEFAULT '[]'::jsonb,  -- why the police kept it, as codes
    message_id             uuid,       -- the RegisterDispute that fed a handed call to intake
    recorded_by            text        NOT NULL,
    recorded_at            timestamptz NOT NULL,
    -- From the coordinator's case facts about the case a handed call became:
    case_id                text,
    result                 text,        -- the round's result (CaseResolved)
    result_round           integer,
    resolved_at            timestamptz,
    mediator_unit          text,        -- the mediators' own part (ReferralClosed), before the case ends
    mediator_result        text,
    mediator_reported_at   timestamptz,
    CHECK ((decision = 'mediation') = (procedure IS NULL)),
    CHECK (decision = 'mediation' OR message_id IS NULL)
);
-- The figures count the calls of a period of days; the list shows the latest received first.
CREATE INDEX calls_by_received_on ON calls (received_on);
CREATE INDEX calls_by_received_at ON calls (received_at DESC, call_number);
-- Every case fact the police consume asks which of their referrals belong to its case.
CREATE INDEX referrals_by_case ON referrals (case_id);
