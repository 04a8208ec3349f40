-- When an account's valid tokens begin: set when it is disabled, its password or its roles or units change, so
-- that every service stops taking the tokens it held before (GET /api/v1/token-revocations). NULL: all of them.
-- And the latest `iat` identity has issued the account, kept under the row lock at each sign-in, so that a
-- withdrawal always begins after every token signed before it, whatever clock dated the withdrawal.
-- depends: 0002_sign_ins_by_address

ALTER TABLE accounts ADD COLUMN tokens_valid_from timestamptz;
ALTER TABLE accounts ADD COLUMN tokens_issued_until timestamptz;
