-- The first answer to each HTTP request that carried an Idempotency-Key, written in the same
-- transaction as the change it made: a retry with the key finds it and gets that answer
-- again instead of making the change twice. Rows are pruned after a day (the relay does it).
-- depends: s0003_outbox_scrub

CREATE TABLE idempotency_keys (
    subject      text        NOT NULL,  -- the caller the key belongs to: keys are unique per caller
    key          text        NOT NULL,
    fingerprint  text        NOT NULL,  -- hash of method, path and body: one key, one request
    status       integer     NOT NULL,
    body         text        NOT NULL,
    content_type text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
