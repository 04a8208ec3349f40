-- When the tokens an account was issued expire, so that neither the list of withdrawals nor a new handle relies on
-- the token lifetime of today: tokens signed under a longer lifetime (WUYUAN_IDENTITY_TOKEN_LIFETIME_MINUTES
-- shortened since) outlive a withdrawal listed for today's lifetime alone, and would still carry a handle drawn
-- anew after today's lifetime.
--
-- `handle_tokens_expire_until`: the latest `exp` identity signed the account a token with, noted at each sign-in
-- beside `handle_tokens_issued_until`. `withdrawn_tokens_expire_until`: the latest `exp` among the tokens a
-- withdrawal took back, noted by the trigger whatever code withdraws (an identity pod of the release before, still
-- running during the upgrade, too); a withdrawal stays on the list until then as well.
--
-- Tokens signed before this migration expire within a day of their `iat` (the lifetime allows at most 1,440
-- minutes): a day after the last is what is known of them. A withdrawal took back only the tokens issued before
-- it, so a day after the earlier of its beginning and the last `iat`: at worst a withdrawal of the last day is
-- listed for the rest of that day, in the form it had (by handle or by digest, as `tokens_without_handle_until`
-- decides), never one older.
--
-- Only tokens with the handle are noted: one without it (signed before migration 0004, or by an identity of the
-- release before it) keeps the list's reach of today's lifetime. And identity pods of the release before this one
-- note no expiry: change the lifetime only once every identity pod runs this release.
-- depends: 0004_token_handles

ALTER TABLE accounts ADD COLUMN handle_tokens_expire_until timestamptz;
ALTER TABLE accounts ADD COLUMN withdrawn_tokens_expire_until timestamptz;

UPDATE accounts SET handle_tokens_expire_until = handle_tokens_issued_until + interval '1 day'
    WHERE handle_tokens_issued_until IS NOT NULL;
UPDATE accounts SET withdrawn_tokens_expire_until = LEAST(handle_tokens_issued_until, tokens_valid_from)
    + interval '1 day' WHERE tokens_valid_from IS NOT NULL AND handle_tokens_issued_until IS NOT NULL;

CREATE OR REPLACE FUNCTION withdrawal_after_handle_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.tokens_valid_from := GREATEST(NEW.tokens_valid_from, NEW.handle_tokens_issued_until + interval '1 second');
    NEW.withdrawn_tokens_expire_until := GREATEST(NEW.withdrawn_tokens_expire_until, NEW.handle_tokens_expire_until);
    RETURN NEW;
END $$;
