-- Every sent row leaves a dead entry in outbox_pending until vacuum, and the relay's sweep
-- reads past each one. Vacuum the outbox after a fixed number of changes, not the default
-- fifth of a table that only grows, so the sweep's reading stays bounded.
-- depends: s0001_messaging

ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
