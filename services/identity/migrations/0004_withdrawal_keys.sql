-- A random key for each account, which its tokens carry (claim `wdk`): the list of withdrawals
-- (GET /api/v1/token-revocations) names accounts by it, so that it names no one to whoever holds none of their
-- tokens. It named them by a digest of the username before, which a list of likely usernames reverses.
-- And when identity began to give the keys: until every token issued before then has expired, the list also names
-- the accounts withdrawn meanwhile by that digest, for the tokens without a key.
-- depends: 0003_tokens_valid_from

ALTER TABLE accounts ADD COLUMN withdrawal_key uuid NOT NULL DEFAULT gen_random_uuid();

CREATE TABLE withdrawal_keys_given (
    since timestamptz NOT NULL
);
INSERT INTO withdrawal_keys_given (since) VALUES (now());
