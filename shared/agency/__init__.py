"""The agency base: everything an agency service does with referrals, so a new agency is a small service."""
