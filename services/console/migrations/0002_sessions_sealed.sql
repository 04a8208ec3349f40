-- A session's token is kept sealed under a key made from the browser's cookie (`v1.…`, services/console/domain.py):
-- a session kept before held the token itself, which opens no more and would stay in the table, usable by whoever
-- read it, until it expired. Their people sign in again.
-- depends: 0001_sessions

DELETE FROM sessions WHERE token NOT LIKE 'v1.%';
