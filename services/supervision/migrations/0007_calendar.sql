-- supervision's copy of the official calendar's years loaded at the coordinator (CalendarYearLoaded): its
-- warning that next year is still unknown reads it, and reports count working days by it. The same table
-- as the coordinator's (`shared.calendar_store`).
-- depends: 0006_link_facts

CREATE TABLE calendar_years (
    year      integer     PRIMARY KEY,
    days      jsonb       NOT NULL,
    source    text        NOT NULL,
    loaded_by text        NOT NULL,
    loaded_at timestamptz NOT NULL
);
