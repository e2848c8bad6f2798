-- Up Migration
-- The import service owns symbols and ohlcv_daily (CONTRACT §4: names and
-- place kept, public schema). Prices are double precision: TA-Lib and every
-- consumer compute in doubles, and a provider's decimal prices round-trip
-- exactly through float8's shortest text form, so a re-import of unchanged
-- data compares equal and writes nothing.

CREATE TABLE public.symbols (
  symbol          VARCHAR(20) PRIMARY KEY,
  name            TEXT NOT NULL DEFAULT '',
  sector          TEXT NOT NULL DEFAULT '',
  industry        TEXT NOT NULL DEFAULT '',
  sic_code        TEXT NOT NULL DEFAULT '',
  sic_description TEXT NOT NULL DEFAULT '',
  market_cap      DOUBLE PRECISION CHECK (market_cap IS NULL OR market_cap >= 0),
  list_date       DATE,
  active          BOOLEAN NOT NULL DEFAULT TRUE,
  delisted_date   DATE,
  sp500           BOOLEAN NOT NULL DEFAULT FALSE,
  nasdaq100       BOOLEAN NOT NULL DEFAULT FALSE,
  exchange        TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL DEFAULT '',
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE public.ohlcv_daily (
  symbol  VARCHAR(20) NOT NULL,
  date    DATE NOT NULL,
  open    DOUBLE PRECISION NOT NULL,
  high    DOUBLE PRECISION NOT NULL,
  low     DOUBLE PRECISION NOT NULL,
  close   DOUBLE PRECISION NOT NULL,
  volume  DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (symbol, date),
  CONSTRAINT ohlcv_daily_sane CHECK (
    high >= low AND high >= open AND high >= close AND low <= open AND low <= close
    AND low > 0 AND volume >= 0)
);

-- Per-date coverage, written in the same transaction as the bars: "latest
-- date with bars" and "how many symbols on it" without scanning ohlcv_daily
-- (and without a second index on it to slow every bulk load).
CREATE TABLE import.bar_dates (
  date        DATE PRIMARY KEY,
  symbols     INTEGER NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Import history: one row per import call, for operators and for the
-- "bars exist for the latest trading day" checks downstream.
CREATE TABLE import.imports (
  import_id          UUID PRIMARY KEY,
  run_id             TEXT,
  provider           TEXT NOT NULL,
  from_date          DATE NOT NULL,
  to_date            DATE NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
  started_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  ended_at           TIMESTAMPTZ,
  bars_written       INTEGER NOT NULL DEFAULT 0,
  bars_rejected      INTEGER NOT NULL DEFAULT 0,
  symbols_written    INTEGER NOT NULL DEFAULT 0,
  error              TEXT
);

-- AppV2 reads these directly with its read-only role.
GRANT SELECT ON public.symbols, public.ohlcv_daily TO tickstock_reader;
