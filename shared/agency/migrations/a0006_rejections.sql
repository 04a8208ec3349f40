-- Messages of this agency a centre service refused for good (MessageRejected), one row per refused
-- message: the agency's own view of what went to the centre's dead letters, and why.
-- depends: a0005_deadline_revision

CREATE TABLE rejections (
    notice_id           uuid        PRIMARY KEY,
    unit                text        NOT NULL,
    rejected_message_id uuid,
    rejected_type       text,
    reason              text        NOT NULL,
    detail              text        NOT NULL,
    case_id             text,
    referral_id         uuid,
    refused_by          text        NOT NULL,
    refused_at          timestamptz NOT NULL,
    received_at         timestamptz NOT NULL
);
CREATE INDEX rejections_by_time ON rejections (received_at DESC);
