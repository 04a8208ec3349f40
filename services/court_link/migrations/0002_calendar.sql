-- court_link's copy of the official calendar's years loaded at the coordinator (CalendarYearLoaded), so
-- that its terms (诉前调解, 司法确认) end on the days courts are open in years chinesecalendar does not know.
-- The same table as the coordinator's (`shared.calendar_store`).
-- depends: 0001_filings

CREATE TABLE calendar_years (
    year      integer     PRIMARY KEY,
    days      jsonb       NOT NULL,
    source    text        NOT NULL,
    loaded_by text        NOT NULL,
    loaded_at timestamptz NOT NULL
);
