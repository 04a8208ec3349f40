-- 三级: the centre holding a case (county, township or village) lives in the state document (`centre`), with
-- the case's escalations; a case stored before levels has none and is its county's (the first six digits of
-- its place). The case list filters on that centre (`centre=`), so this indexes the same expression the
-- store's query uses (store.py HOLDING_CENTRE), per status as the triage queue asks for it.
-- depends: 0004_paused_clocks

CREATE INDEX cases_by_holding_centre
    ON cases ((COALESCE(state ->> 'centre', left(division_code, 6))), status);
