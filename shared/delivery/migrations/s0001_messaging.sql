-- Inbox and outbox, shared by every service's database.

-- A consumed message's id is recorded in the same transaction as its effect, so a
-- redelivered copy finds its row and changes nothing.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    message_id   uuid        NOT NULL,
    message_type text        NOT NULL,
    case_id      text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

-- Messages a transaction must send; the relay publishes them with confirms and marks them.
CREATE TABLE outbox (
    id           bigserial   PRIMARY KEY,
    message_id   uuid        NOT NULL UNIQUE,
    message_type text        NOT NULL,
    case_id      text,
    exchange     text        NOT NULL,
    routing_key  text        NOT NULL,
    body         jsonb       NOT NULL,
    headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error   text
);

CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;
