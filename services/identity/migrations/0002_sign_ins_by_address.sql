-- Failed sign-ins are counted per address too, so one client cannot try password after password
-- across many accounts.
-- depends: 0001_accounts

CREATE INDEX sign_ins_by_address ON sign_ins (address, at);
