-- A replied petition waits on the opinion of a 复查 or 复核 asked and not yet answered (decisions.open_term): its
-- due_on is that opinion's last day, 30 days from the request (第三十五条、第三十六条), so that the list puts it
-- among what is due and its overdue filter finds it. The petitions kept before this get the same day here, counted
-- as domain/terms.py counts it, the day of the request left out; 复核 is asked only once the 复查意见 is given.
-- depends: p0003_reviews

UPDATE petitions SET due_on = CASE
    WHEN re_review_requested_on IS NOT NULL AND re_review_result IS NULL THEN re_review_requested_on + 30
    WHEN review_requested_on IS NOT NULL AND review_result IS NULL THEN review_requested_on + 30
END
WHERE status = 'replied';
