-- What the coordinator told each unit about its referrals (ReferralIssued, ReferralDeadlineChanged,
-- ReferralWithdrawn), kept with the message id it went out under. Outbox rows are pruned once sent, but an
-- agency whose database is restored to an earlier point must be sent the same documents again under the
-- same ids, so that its inbox skips what it still has and re-creates what it lost (`wuyuan reconcile`).
-- Kept by a trigger on the outbox, so every path that queues such a message records it in its transaction.
-- The parties and the summary are left out: the case's registration holds them, and a re-sent referral
-- takes them from there (nothing personal is kept twice).
-- depends: 0006_levels

CREATE TABLE referral_documents (
    message_id   uuid        PRIMARY KEY,
    referral_id  uuid        NOT NULL,
    case_id      text        NOT NULL,
    message_type text        NOT NULL,
    unit         text        COLLATE "C" NOT NULL,
    body         jsonb       NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_documents_by_referral ON referral_documents (referral_id, recorded_at);

CREATE FUNCTION keep_referral_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.message_type IN ('ReferralIssued', 'ReferralDeadlineChanged', 'ReferralWithdrawn') THEN
        INSERT INTO referral_documents (message_id, referral_id, case_id, message_type, unit, body)
        VALUES (NEW.message_id, (NEW.body ->> 'referral_id')::uuid, NEW.body ->> 'case_id', NEW.message_type,
                NEW.body ->> 'recipient', NEW.body - 'parties' - 'summary')
        -- A document sent again by reconciliation is already kept.
        ON CONFLICT (message_id) DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_keeps_referral_documents AFTER INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION keep_referral_document();

-- Documents sent before this migration are known for as long as their outbox rows were kept.
INSERT INTO referral_documents (message_id, referral_id, case_id, message_type, unit, body, recorded_at)
SELECT message_id, (body ->> 'referral_id')::uuid, body ->> 'case_id', message_type, body ->> 'recipient',
       body - 'parties' - 'summary', created_at
FROM outbox
WHERE message_type IN ('ReferralIssued', 'ReferralDeadlineChanged', 'ReferralWithdrawn')
ON CONFLICT (message_id) DO NOTHING;
