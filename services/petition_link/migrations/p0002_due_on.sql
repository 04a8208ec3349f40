-- The day each petition's open term ends (decisions.open_term): acceptance while registered, handling with its
-- extension while accepted, none once finished. The store writes it from the domain whenever it saves a petition,
-- so that the list can take only the overdue and put what is due first in SQL, before its limit.
-- depends: p0001_petitions

ALTER TABLE petitions ADD COLUMN due_on date;

-- The petitions kept before the column: the same terms as domain/terms.py (15 days from receipt; 60 days from
-- acceptance plus the extension), counted as it counts them, the first day left out.
UPDATE petitions SET due_on = CASE status
    WHEN 'registered' THEN received_on + 15
    WHEN 'accepted' THEN decided_on + 60 + coalesce(extension_days, 0)
END;

CREATE INDEX petitions_by_due_on ON petitions (due_on) WHERE due_on IS NOT NULL;
