-- Console sessions: the browser holds only a random session id; the identity token the console
-- calls the services with stays here, so no script in a page can ever read it.
-- depends: s0001_messaging

CREATE TABLE sessions (
    session_digest bytea       PRIMARY KEY,  -- SHA-256 of the cookie's value, never the value itself
    username       text        NOT NULL,
    token          text        NOT NULL,
    csrf           text        NOT NULL,     -- every form of the session carries it back
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL      -- the token's own expiry
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
