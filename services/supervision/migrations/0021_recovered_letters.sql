-- A 提醒函 or 督办函 archived again by a restore of this database (wuyuan/restore_letters_archived.py), rebuilt from
-- what its units hold after the restored archive lost it: when it was archived again. NULL for every document archived
-- as issued. The archive stays append-only (documents_never_change): a letter archived again is a new row under the
-- id and 文号 it went out under, never a change to one the backup holds; its facts say what it was rebuilt from.
-- depends: 0020_letters_held

ALTER TABLE documents ADD COLUMN recovered_at timestamptz;

-- Only letters are rebuilt: a 通报 the archive lost is issued again (last month's) or named by the restore.
ALTER TABLE documents ADD CONSTRAINT documents_only_letters_recovered CHECK (recovered_at IS NULL OR kind <> 'notice');
