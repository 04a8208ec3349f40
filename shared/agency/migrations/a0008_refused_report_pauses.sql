-- The clock's pause a finishing report ended (when, why, the note), kept beside `finished_from`: the centre
-- judges a result or decline as of the pause and holds its clock paused until it takes the report, so should it
-- refuse that report, the referral goes back paused as it was. A report sent before this kept no pause: refused,
-- its referral goes back with the clock running, as it did then.
-- depends: a0007_refused_reports

ALTER TABLE referrals
    ADD COLUMN finished_paused_at    timestamptz,
    ADD COLUMN finished_pause_reason text,
    ADD COLUMN finished_pause_note   text;
