-- When an account's valid tokens begin: set when it is disabled, its password or its roles or units change, so
-- that every service stops taking the tokens it held before (GET /api/v1/token-revocations). NULL: all of them.
-- depends: 0002_sign_ins_by_address

ALTER TABLE accounts ADD COLUMN tokens_valid_from timestamptz;
