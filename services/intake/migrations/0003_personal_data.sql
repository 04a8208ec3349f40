-- Retention of parties' personal data: when the coordinator closed a case (NULL while open or
-- reopened) and when its ID and mobile numbers were purged. ID and mobile numbers in `report`
-- are sealed (AES-256-GCM) by intake; rows stored in clear before this are sealed by
-- `wuyuan provision`, which holds the key (SQL cannot), see wuyuan/provision_db.py.
-- depends: 0002_case_keys_by_case

ALTER TABLE cases ADD COLUMN closed_at timestamptz;
ALTER TABLE cases ADD COLUMN personal_data_purged_at timestamptz;
-- When the last CaseClosed or CaseReopened took effect, so one handled late changes nothing.
ALTER TABLE cases ADD COLUMN closure_noted_at timestamptz;
CREATE INDEX cases_due_for_purge ON cases (closed_at) WHERE personal_data_purged_at IS NULL;
