-- Up Migration
-- The analytics service's tables (schema `analytics`, owned by tickstock_analytics).
--
-- Indicator values are wide: one row per (date, symbol), one double column per indicator, in
-- the order of compute.ts's INDICATOR_NAMES (a test checks the two agree). A phase writes
-- 10,000 rows for a run date instead of 230,000 narrow ones, so its COPY stays small. NULL
-- means "not defined on that date" (inside the indicator's lookback): never 0 and never NaN.

CREATE TABLE analytics.indicator_values (
  date         date NOT NULL,
  symbol       varchar(20) NOT NULL,
  -- The processing run whose phase wrote the row.
  run_id       text NOT NULL,
  sma_20       double precision,
  sma_50       double precision,
  sma_200      double precision,
  ema_12       double precision,
  ema_26       double precision,
  rsi_14       double precision,
  macd         double precision,
  macd_signal  double precision,
  macd_hist    double precision,
  bb_upper     double precision,
  bb_middle    double precision,
  bb_lower     double precision,
  atr_14       double precision,
  stoch_k      double precision,
  stoch_d      double precision,
  adx_14       double precision,
  plus_di_14   double precision,
  minus_di_14  double precision,
  obv          double precision,
  willr_14     double precision,
  cci_14       double precision,
  mfi_14       double precision,
  roc_10       double precision,
  -- A phase replaces a date's rows batch by batch: (date, symbol) leads for its DELETE.
  PRIMARY KEY (date, symbol)
);
-- A symbol's stored history (readers of the table; GetIndicators computes from bars instead).
CREATE INDEX indicator_values_symbol_date ON analytics.indicator_values (symbol, date);

-- Pattern detections of a run date: candlesticks (TA-Lib's CDL functions) and signals.
CREATE TABLE analytics.pattern_detections (
  date        date NOT NULL,
  symbol      varchar(20) NOT NULL,
  pattern     text NOT NULL,
  direction   text NOT NULL CHECK (direction IN ('bullish', 'bearish', 'neutral')),
  confidence  double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  run_id      text NOT NULL,
  PRIMARY KEY (date, symbol, pattern)
);
-- ListPatterns: a date (the latest by default: max(date) reads the primary key's end), then
-- filtered by pattern, direction or symbol, strongest first.
CREATE INDEX pattern_detections_date_pattern ON analytics.pattern_detections (date, pattern);
CREATE INDEX pattern_detections_symbol_date ON analytics.pattern_detections (symbol, date);

-- One row per phase call: what ran, for which date and universe, and how it ended.
CREATE TABLE analytics.phase_runs (
  phase_run_id        uuid PRIMARY KEY,
  run_id              text NOT NULL,
  phase               text NOT NULL CHECK (phase IN ('indicators', 'patterns')),
  run_date            date NOT NULL,
  universe            text NOT NULL DEFAULT '',
  status              text NOT NULL DEFAULT 'running'
                        CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  started_at          timestamptz NOT NULL DEFAULT now(),
  ended_at            timestamptz,
  total_symbols       integer NOT NULL DEFAULT 0 CHECK (total_symbols >= 0),
  successful_symbols  integer NOT NULL DEFAULT 0 CHECK (successful_symbols >= 0),
  skipped_symbols     integer NOT NULL DEFAULT 0 CHECK (skipped_symbols >= 0),
  -- Indicator values stored (indicators) or detections stored (patterns).
  results             integer NOT NULL DEFAULT 0 CHECK (results >= 0),
  error               text,
  CONSTRAINT phase_runs_ended_iff_finished CHECK ((status = 'running') = (ended_at IS NULL))
);
CREATE INDEX phase_runs_run_id ON analytics.phase_runs (run_id);
CREATE INDEX phase_runs_started_at ON analytics.phase_runs (started_at DESC);

-- AppV2's read-only role may read the results (the bookkeeping stays private).
GRANT USAGE ON SCHEMA analytics TO tickstock_reader;
GRANT SELECT ON analytics.indicator_values, analytics.pattern_detections TO tickstock_reader;
