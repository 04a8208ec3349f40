-- A form posted once its session had ended is kept, after signing in, in the new session alone (so the page that shows
-- it can be reloaded), sealed under a key made from the browser's cookie like the token (services/console/domain.py),
-- and only until `held_until`: sent, given up, past its time or with its session, it is gone.
-- depends: 0002_sessions_sealed

ALTER TABLE sessions ADD COLUMN held_form text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN held_until timestamptz;
CREATE INDEX sessions_by_held_until ON sessions (held_until) WHERE held_until IS NOT NULL;
