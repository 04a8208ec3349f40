-- Result codes: each referral's result beside its status, and each case's settled round's result
-- beside its rating, for the overview's counts by code. The state document stays the truth; the
-- store writes both columns with it. Documents stored before result codes carry only `outcome`,
-- which reads as the code it stood for (resolved: handled; unresolved: mediation_failed), as the
-- coordinator's model and the message contract read it.
-- depends: 0002_case_list_columns

ALTER TABLE case_referrals ADD COLUMN result text;
ALTER TABLE cases ADD COLUMN result text;

UPDATE case_referrals cr SET result = coalesce(
        r ->> 'result',
        CASE r ->> 'outcome' WHEN 'resolved' THEN 'handled' WHEN 'unresolved' THEN 'mediation_failed' END)
FROM cases c, jsonb_array_elements(c.state -> 'referrals') AS r
WHERE cr.case_id = c.case_id AND cr.referral_id = (r ->> 'referral_id')::uuid;

-- A settled round's result is its latest lead's code. (A co-unit's mediated or judicially confirmed
-- result overrides a lead's `handled`, but documents from before result codes hold no such result:
-- their co-units' outcomes read as handled or mediation_failed.) A case settled at the window has
-- no lead and so no result.
UPDATE cases c SET result = coalesce(c.state ->> 'result', (
    SELECT coalesce(r ->> 'result',
                    CASE r ->> 'outcome' WHEN 'resolved' THEN 'handled' WHEN 'unresolved' THEN 'mediation_failed' END)
    FROM jsonb_array_elements(c.state -> 'referrals') WITH ORDINALITY AS t(r, n)
    WHERE r ->> 'role' = 'lead' AND (r ->> 'round')::integer = (c.state ->> 'round')::integer
    ORDER BY n DESC
    LIMIT 1))
WHERE c.status IN ('resolved', 'closed');
