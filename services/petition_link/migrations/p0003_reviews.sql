-- 复查 and 复核 (信访工作条例 第三十五条、第三十六条) as the county bureau records them once a petition is replied to:
-- for each, the body asked (by name: it is above the county), the day the petitioner received the answer disputed,
-- the day of the request, and the opinion (维持/变更/撤销, its summary, its day). Null until recorded.
-- depends: p0002_due_on

ALTER TABLE petitions
    ADD COLUMN review_body                  text,
    ADD COLUMN review_answer_received_on    date,
    ADD COLUMN review_requested_on          date,
    ADD COLUMN review_result                text CHECK (review_result IN ('upheld', 'changed', 'revoked')),
    ADD COLUMN review_summary               text,
    ADD COLUMN review_given_on              date,
    ADD COLUMN re_review_body               text,
    ADD COLUMN re_review_answer_received_on date,
    ADD COLUMN re_review_requested_on       date,
    ADD COLUMN re_review_result             text CHECK (re_review_result IN ('upheld', 'changed', 'revoked')),
    ADD COLUMN re_review_summary            text,
    ADD COLUMN re_review_given_on           date;
