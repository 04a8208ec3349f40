-- A referral's deadline as the centre last set it: the revision it came with (each pause, resume and
-- recomputation when a year's official calendar is loaded adds one), so that a later change wins whether it
-- moves the deadline later or earlier, and whether it is provisional (暂定: counted past the known calendar).
-- depends: a0004_paused_clocks

ALTER TABLE referrals ADD COLUMN deadline_revision integer NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN due_provisional boolean NOT NULL DEFAULT false;
