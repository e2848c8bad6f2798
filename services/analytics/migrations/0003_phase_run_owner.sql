-- Up Migration
-- The analytics process running a phase, so that a phase left 'running' by a process that died
-- is found and ended 'failed' (src/ownership.ts): each process holds a session advisory lock
-- on its owner id while it lives; a lock anyone can take means a dead owner. NULL: a row
-- written before this column, ended the same way.
ALTER TABLE analytics.phase_runs ADD COLUMN owner uuid;
CREATE INDEX phase_runs_running ON analytics.phase_runs (owner) WHERE status = 'running';

