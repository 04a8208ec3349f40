-- The embedded issuer's accounts: who may sign in, with which roles and units, and every attempt.
-- depends: s0001_messaging

CREATE TABLE accounts (
    username            text        PRIMARY KEY,
    display_name        text        NOT NULL,
    password_hash       text        NOT NULL,  -- argon2id, with its own salt and parameters
    roles               text[]      NOT NULL,
    units               text[]      NOT NULL DEFAULT '{}',
    disabled            boolean     NOT NULL DEFAULT false,
    failed_attempts     integer     NOT NULL DEFAULT 0,
    locked_until        timestamptz,
    password_changed_at timestamptz NOT NULL,
    created_at          timestamptz NOT NULL,
    last_signed_in_at   timestamptz
);

-- Kept for audits: who tried to sign in, from where, and what came of it.
CREATE TABLE sign_ins (
    id       bigserial   PRIMARY KEY,
    username text        NOT NULL,
    address  text,
    outcome  text        NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX sign_ins_by_username ON sign_ins (username, at);
