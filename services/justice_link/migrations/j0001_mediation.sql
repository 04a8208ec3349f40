-- 调源: the county's mediation organisations and mediators (read from mediation_organisations.toml at
-- start), which organisation and mediator each referral is assigned to, the sessions held (调解记录),
-- and the parties referred to legal aid (法律援助).
-- depends: a0004_paused_clocks

CREATE TABLE mediation_organisations (
    code        text        PRIMARY KEY,
    name        text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('village_committee', 'township_committee', 'industry', 'studio')),
    unit        text        NOT NULL,
    covers      text[]      NOT NULL,
    specialties text[]      NOT NULL,
    active      boolean     NOT NULL DEFAULT true,
    synced_at   timestamptz NOT NULL
);

CREATE TABLE mediators (
    code         text        PRIMARY KEY,
    name         text        NOT NULL,
    organisation text        NOT NULL REFERENCES mediation_organisations (code),
    specialties  text[]      NOT NULL,
    active       boolean     NOT NULL DEFAULT true,
    synced_at    timestamptz NOT NULL
);

-- The referral's current assignment; each (re)assignment is also a `mediation_assigned` line in referral_log.
CREATE TABLE mediation_assignments (
    referral_id  uuid        PRIMARY KEY REFERENCES referrals (referral_id),
    organisation text        NOT NULL REFERENCES mediation_organisations (code),
    mediator     text        NOT NULL REFERENCES mediators (code),
    as_proposed  boolean     NOT NULL,
    assigned_by  text        NOT NULL,
    assigned_at  timestamptz NOT NULL
);
CREATE INDEX mediation_assignments_by_mediator ON mediation_assignments (mediator);
CREATE INDEX mediation_assignments_by_assigned_at ON mediation_assignments (assigned_at);

CREATE TABLE mediation_sessions (
    id           bigserial   PRIMARY KEY,
    referral_id  uuid        NOT NULL REFERENCES referrals (referral_id),
    organisation text        NOT NULL REFERENCES mediation_organisations (code),
    mediator     text        NOT NULL REFERENCES mediators (code),
    held_on      date        NOT NULL,
    attendees    jsonb       NOT NULL DEFAULT '[]'::jsonb,
    note         text        NOT NULL,
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX mediation_sessions_by_referral ON mediation_sessions (referral_id, id);

CREATE TABLE legal_aid_referrals (
    id          bigserial   PRIMARY KEY,
    referral_id uuid        NOT NULL REFERENCES referrals (referral_id),
    party       text        NOT NULL,
    reason      text        NOT NULL,
    recorded_by text        NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX legal_aid_referrals_by_referral ON legal_aid_referrals (referral_id, id);
