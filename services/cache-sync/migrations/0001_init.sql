-- Up Migration
-- The cache-sync service owns cache_entries (CONTRACT §4: name, place and columns exactly as
-- TickStockAppV2 reads them), and in its own schema the per-universe statistics, the jobs and
-- the membership history of delisted symbols. Nobody else writes any of them.

CREATE TABLE public.cache_entries (
  id SERIAL PRIMARY KEY, universe VARCHAR(100) NOT NULL, content JSONB NOT NULL,
  cache_type VARCHAR(50), created_at TIMESTAMPTZ DEFAULT NOW(), updated_at TIMESTAMPTZ DEFAULT NOW(),
  UNIQUE(universe));

-- AppV2 reads it directly with its read-only role (seed 001's SQL).
GRANT SELECT ON public.cache_entries TO tickstock_reader;

-- One cache-sync job. Its state moves only by guarded updates (… WHERE status = 'pending' or
-- 'running'), so a job that ended (cancelled, timed out, recovered) can no longer be touched.
CREATE TABLE cache_sync.jobs (
  job_id             uuid PRIMARY KEY,
  mode               text NOT NULL CHECK (mode IN ('full', 'market_cap', 'themes', 'ipos')),
  force              boolean NOT NULL DEFAULT false,
  status             text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'running', 'completed', 'failed', 'error')),
  triggered_by       text NOT NULL CHECK (triggered_by IN ('api', 'scheduler', 'pipeline')),
  -- The processing run of a pipeline job (its events carry it).
  run_id             text CHECK (run_id IS NULL OR length(run_id) BETWEEN 1 AND 100),
  -- The trading day the job syncs for (bars must exist for it): the run's date for a pipeline
  -- job, otherwise the latest completed trading day, set when the job starts.
  market_date        date,
  created_at         timestamptz NOT NULL DEFAULT now(),
  start_time         timestamptz,
  end_time           timestamptz,
  duration_seconds   double precision CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
  error_details      text,
  -- Progress while running: the step in progress and how many of `progress_total` have begun.
  current_task       text,
  progress_completed integer NOT NULL DEFAULT 0 CHECK (progress_completed >= 0),
  progress_total     integer NOT NULL DEFAULT 0 CHECK (progress_total >= 0),
  -- Results, once completed: symbols added plus removed, the universes whose membership
  -- changed, and the cache_entries rows written (0 when nothing changed).
  total_changes      integer CHECK (total_changes IS NULL OR total_changes >= 0),
  universes_updated  text[],
  rows_written       integer CHECK (rows_written IS NULL OR rows_written >= 0),
  CONSTRAINT jobs_pipeline_has_run CHECK ((triggered_by = 'pipeline') = (run_id IS NOT NULL)),
  CONSTRAINT jobs_ended_iff_finished CHECK ((status IN ('pending', 'running')) = (end_time IS NULL)),
  CONSTRAINT jobs_started_when_running CHECK (status <> 'running' OR start_time IS NOT NULL)
);

-- One job runs at a time, enforced by the database: a second claim fails with 23505.
CREATE UNIQUE INDEX jobs_one_running ON cache_sync.jobs ((true)) WHERE status = 'running';
-- A trigger while a job of the same mode waits returns that job (insert-on-conflict). Pipeline
-- jobs are left out: each processing run gets its own job, whose events carry its run_id.
CREATE UNIQUE INDEX jobs_one_pending_per_mode ON cache_sync.jobs (mode) WHERE status = 'pending' AND run_id IS NULL;
-- A run that asks again (a retry, a resumed coordinator) joins its job instead of queueing another.
CREATE UNIQUE INDEX jobs_one_active_per_run ON cache_sync.jobs (run_id) WHERE status IN ('pending', 'running');
CREATE INDEX jobs_queue ON cache_sync.jobs (created_at, job_id) WHERE status = 'pending';
CREATE INDEX jobs_created_at ON cache_sync.jobs (created_at DESC, job_id DESC);

-- Per-universe statistics of the universes this service maintains: written in the job's
-- transaction, only for universes whose membership changed.
CREATE TABLE cache_sync.cache_entries_metadata (
  universe       varchar(100) PRIMARY KEY,
  cache_type     varchar(50) NOT NULL,
  symbol_count   integer NOT NULL CHECK (symbol_count >= 0),
  -- Of the last change.
  last_added     integer NOT NULL CHECK (last_added >= 0),
  last_removed   integer NOT NULL CHECK (last_removed >= 0),
  last_job_id    uuid NOT NULL REFERENCES cache_sync.jobs (job_id),
  -- Over the universe's life: syncs that rewrote it, symbols added plus removed.
  rewrites       integer NOT NULL DEFAULT 1 CHECK (rewrites >= 1),
  total_changes  bigint NOT NULL DEFAULT 0 CHECK (total_changes >= 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Membership history of delisted (and otherwise dead) symbols: what each belonged to, at which
-- rank, when the clean-up removed it. Rows are only added; a symbol that relists and dies again
-- gets new rows from the later job.
CREATE TABLE cache_sync.delisted_memberships (
  symbol         varchar(20) NOT NULL,
  universe       varchar(100) NOT NULL,
  cache_type     varchar(50) NOT NULL,
  -- 1-based position in the universe's ranking when removed.
  rank           integer NOT NULL CHECK (rank >= 1),
  -- As the import service reports it; NULL when the symbol is only inactive, or unknown.
  delisted_date  date,
  job_id         uuid NOT NULL REFERENCES cache_sync.jobs (job_id),
  removed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, universe, job_id)
);

CREATE INDEX delisted_memberships_universe ON cache_sync.delisted_memberships (universe, removed_at DESC);
