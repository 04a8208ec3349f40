-- Who issued each document (签发人): the signed-in supervisor's account for a 通报 issued on demand
-- (POST /api/v1/notices), 'timer' for what supervision's timers issue (提醒函, 督办函, the monthly 通报), as
-- spot_check_draws.drawn_by records a scheduled draw.
-- depends: 0013_report_stale

-- Documents archived before this are left as issued (documents_never_change refuses any UPDATE): their issued_by
-- stays NULL, and the store reads a letter or a scheduled 通报 among them as the timer's (the archive tells);
-- a 通报 issued on demand before this has no issuer recorded.
ALTER TABLE documents ADD COLUMN issued_by text;

-- From now on every document names its issuer (NOT VALID: the older rows above are not checked) ...
ALTER TABLE documents ADD CONSTRAINT documents_issuer_recorded CHECK (issued_by IS NOT NULL) NOT VALID;
-- ... and it is the timer exactly for the letters and the scheduled 通报, so a 通报 on demand is a person's.
ALTER TABLE documents ADD CONSTRAINT documents_issuer_is_the_timer_for_what_it_issues
    CHECK ((issued_by = 'timer') = (kind <> 'notice' OR coalesce((facts ->> 'scheduled')::boolean, false)));
