-- Up Migration
-- A version of the stored bars: a counter that every statement writing public.ohlcv_daily bumps,
-- in its own transaction (a statement trigger, so writes from outside this service count too).
-- Equal versions read at two moments mean the same bars (DescribeBars.bars_version): the
-- analytics service reuses the patterns it computed during the indicators phase only then.
CREATE TABLE import.bars_version (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version  bigint NOT NULL DEFAULT 0
);
INSERT INTO import.bars_version DEFAULT VALUES;

CREATE FUNCTION import.bump_bars_version() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, import AS $$
BEGIN
  UPDATE import.bars_version SET version = version + 1;
  RETURN NULL;
END
$$;

CREATE TRIGGER ohlcv_daily_bars_version
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.ohlcv_daily
  FOR EACH STATEMENT EXECUTE FUNCTION import.bump_bars_version();
