-- The official calendar's years operators load from the State Council's annual notice (国务院办公厅关于
-- 部分节假日安排的通知), beyond or in place of the years chinesecalendar knows. `days` keeps the year
-- file's `holidays` (name, days) and `working_weekends` (调休上班) as JSON; a year is replaced whole when it
-- is loaded again. Every coordinator process puts these years into its working-day arithmetic.
-- depends: 0004_paused_clocks

CREATE TABLE calendar_years (
    year      integer     PRIMARY KEY,
    days      jsonb       NOT NULL,
    source    text        NOT NULL,
    loaded_by text        NOT NULL,
    loaded_at timestamptz NOT NULL
);
