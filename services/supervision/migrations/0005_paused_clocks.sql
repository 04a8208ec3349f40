-- A unit's clock may stand still (the coordinator's DeadlineChanged: waiting for a party, 司法确认, 鉴定 …).
-- While `paused_at` is set the timer sends the watch no letter and the board judges it as of the pause; a
-- resume moves `due_at` and `reminder_at` and clears it. `clock_revision` is the latest change applied, so
-- that an older one handled late changes nothing.
-- depends: 0004_board_and_letters

ALTER TABLE watches
    ADD COLUMN paused_at      timestamptz,
    ADD COLUMN clock_revision integer NOT NULL DEFAULT 0;
