-- Each account's token handle: a random name its tokens carry (claim `wuyuan_handle`), by which the list of
-- withdrawals (GET /api/v1/token-revocations) names the account. The list named accounts by the SHA-256 of the
-- username before, which anyone can reverse by hashing likely usernames; a handle tells nothing to whoever holds
-- none of the account's tokens. A version-4 UUID's 122 random bits, as 32 hex digits; the default gives every
-- account there is now one of its own, and every account made later, by this release or the one before.
--
-- `tokens_without_handle_until`: the accounts there are now may hold tokens issued before this migration, which
-- carry no handle; until every such token has expired, the list names their withdrawals by digest as before. NULL
-- for accounts made later: they may hold none. An identity of the release before, still running during the upgrade,
-- goes on noting the tokens it signs, without a handle, in `tokens_issued_until`; so this release notes its own in
-- `handle_tokens_issued_until`, and `tokens_issued_until` keeps telling the last token an account was issued
-- without a handle.
-- depends: 0003_tokens_valid_from

ALTER TABLE accounts ADD COLUMN token_handle text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');
ALTER TABLE accounts ADD CONSTRAINT accounts_token_handle_unique UNIQUE (token_handle);

ALTER TABLE accounts ADD COLUMN tokens_without_handle_until timestamptz;
UPDATE accounts SET tokens_without_handle_until = now();

ALTER TABLE accounts ADD COLUMN handle_tokens_issued_until timestamptz;

-- Every withdrawal begins after the last token this release signed, whatever withdraws: code of the release before
-- (an identity pod still running during the upgrade, handling a password change; an earlier `wuyuan account
-- disable`) knows only `tokens_issued_until`, and would begin it in the second of a token this release had just
-- signed, which would then outlive the withdrawal. Only a withdrawal sets `tokens_valid_from`.
CREATE FUNCTION withdrawal_after_handle_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tokens_valid_from := GREATEST(NEW.tokens_valid_from, NEW.handle_tokens_issued_until + interval '1 second');
    RETURN NEW;
END $$;
CREATE TRIGGER withdrawal_after_handle_tokens BEFORE UPDATE OF tokens_valid_from ON accounts
    FOR EACH ROW EXECUTE FUNCTION withdrawal_after_handle_tokens();
