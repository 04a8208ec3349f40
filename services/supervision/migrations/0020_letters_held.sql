-- The 提醒函 and 督办函 the agencies held when this database was last restored to an earlier point, and the agencies
-- whose databases that restore read (wuyuan/restore_letters_held.py writes both; nothing else does). A watch started
-- again by `wuyuan reconcile supervision` takes as sent exactly the letters its unit holds when its agency was read:
-- one whose moment fell while supervision was down goes out then, and none goes twice.
-- depends: 0019_open_at_end

CREATE TABLE letters_held (
    referral_id uuid        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('reminder', 'overdue')),
    received_at timestamptz NOT NULL,
    PRIMARY KEY (referral_id, kind)
);

CREATE TABLE letters_held_read (
    service text        PRIMARY KEY,
    read_at timestamptz NOT NULL
);
