-- Up Migration

-- The coordinator's own tables (schema `coordinator`, owned by tickstock_coordinator).
-- Nobody else reads or writes them: AppV2 sees runs and the schedule through the API.

-- One processing run. Its state moves only by guarded updates (… WHERE status = 'running'
-- AND owner_id = <this process>), so a process that lost the run can no longer touch it.
CREATE TABLE coordinator.runs (
  run_id                uuid PRIMARY KEY,
  run_date              date NOT NULL,
  -- The universes whose members the analytics phases process (a scheduled run may name several).
  universes             text[] NOT NULL CHECK (cardinality(universes) > 0),
  trigger_type          text NOT NULL CHECK (trigger_type IN ('automatic', 'manual')),
  status                text NOT NULL DEFAULT 'running'
                          CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  started_at            timestamptz NOT NULL DEFAULT now(),
  ended_at              timestamptz,
  error                 text,
  symbols_processed     integer NOT NULL DEFAULT 0 CHECK (symbols_processed >= 0),
  indicators_calculated integer NOT NULL DEFAULT 0 CHECK (indicators_calculated >= 0),
  patterns_detected     integer NOT NULL DEFAULT 0 CHECK (patterns_detected >= 0),
  -- The coordinator process driving the run; NULL once released (graceful stop) or finished.
  owner_id              text,
  -- Renewed by the owner every heartbeat interval; a stale heartbeat means a dead owner.
  heartbeat_at          timestamptz NOT NULL DEFAULT now(),
  cancel_requested_at   timestamptz,
  -- How many times a coordinator took the run over from a dead or stopped owner.
  resumed_count         integer NOT NULL DEFAULT 0,
  CONSTRAINT runs_ended_iff_finished CHECK ((status = 'running') = (ended_at IS NULL))
);

-- One active run at a time, enforced by the database: a second insert fails with 23505.
CREATE UNIQUE INDEX runs_one_active ON coordinator.runs ((true)) WHERE status = 'running';
CREATE INDEX runs_started_at ON coordinator.runs (started_at DESC);

-- The phases a run asked for, in their fixed order.
CREATE TABLE coordinator.run_phases (
  run_id           uuid NOT NULL REFERENCES coordinator.runs (run_id) ON DELETE CASCADE,
  phase            text NOT NULL CHECK (phase IN ('import', 'cache_sync', 'indicators', 'patterns')),
  position         smallint NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped', 'cancelled')),
  started_at       timestamptz,
  ended_at         timestamptz,
  percent_complete double precision NOT NULL DEFAULT 0 CHECK (percent_complete BETWEEN 0 AND 100),
  -- Calls made for this phase (retries on UNAVAILABLE, and again after a resume).
  attempts         integer NOT NULL DEFAULT 0,
  -- The phase service's result (counts), as JSON with snake_case keys.
  result           jsonb,
  error            text,
  PRIMARY KEY (run_id, phase),
  UNIQUE (run_id, position)
);

-- The daily schedule: exactly one row.
CREATE TABLE coordinator.schedule (
  id           boolean PRIMARY KEY DEFAULT true CHECK (id),
  enabled      boolean NOT NULL DEFAULT true,
  trigger_time text NOT NULL DEFAULT '16:10' CHECK (trigger_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  timezone     text NOT NULL DEFAULT 'America/New_York' CHECK (timezone <> ''),
  universes    text[] NOT NULL DEFAULT ARRAY['sp500', 'nasdaq100'] CHECK (cardinality(universes) > 0),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- Set by the first change through the API; until then the configured defaults may replace the row.
  edited_at    timestamptz
);

INSERT INTO coordinator.schedule DEFAULT VALUES;

-- One row per fired schedule slot (the trading date, in the schedule's zone): the exactly-once
-- claim. A firing inserts its date ON CONFLICT DO NOTHING first in the transaction that then
-- creates the run (hence the deferred foreign key), so two coordinators never both fire a day:
-- the second waits on the first's claim and then finds the date taken.
CREATE TABLE coordinator.schedule_firings (
  fire_date     date PRIMARY KEY,
  scheduled_for timestamptz NOT NULL,
  run_id        uuid NOT NULL REFERENCES coordinator.runs (run_id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  owner_id      text NOT NULL,
  fired_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX schedule_firings_scheduled_for ON coordinator.schedule_firings (scheduled_for DESC);
