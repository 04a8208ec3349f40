-- A unit's clock may stand still (期限中止: waiting for a party, 司法确认, 鉴定 …). Beside each referral's
-- deadline the list and the overview keep when its clock stopped, if it did: a paused referral is overdue
-- only if it already was then, and a result reported while paused is judged as of the pause. The state
-- document stays the truth; the store writes the column with it (a resume also moves `due_at`). No
-- referral stored before this was ever paused, so there is nothing to fill in.
-- depends: 0003_result_codes

ALTER TABLE case_referrals ADD COLUMN paused_at timestamptz;
