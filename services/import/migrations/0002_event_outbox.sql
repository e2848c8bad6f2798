-- Up Migration
-- Events Redis could not take (Redis restarting): kept here, in this
-- service's schema, and delivered oldest first once Redis is back, by this
-- process or the next one (packages/common/src/events.ts).
CREATE TABLE import.event_outbox (
  id          BIGSERIAL PRIMARY KEY,
  channel     TEXT NOT NULL,
  data        TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
