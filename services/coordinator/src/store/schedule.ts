import type { Queryable } from "@tickstock/common/db.ts";
import type { Schedule, ScheduleSlot } from "../schedule.ts";

/** SQL of the schedule, its firings (the exactly-once claims) and the scheduler's leader lock. */

interface ScheduleRow {
  enabled: boolean;
  trigger_time: string;
  timezone: string;
  universes: string[];
}

const toSchedule = (r: ScheduleRow): Schedule => ({ enabled: r.enabled, triggerTime: r.trigger_time, timezone: r.timezone, universes: r.universes });

export async function getSchedule(q: Queryable, opts: { forUpdate?: boolean } = {}): Promise<Schedule> {
  const { rows } = await q.query<ScheduleRow>(
    `SELECT enabled, trigger_time, timezone, universes FROM coordinator.schedule${opts.forUpdate ? " FOR UPDATE" : ""}`,
  );
  return toSchedule(rows[0]!);
}

/** Stores a change made through the API. */
export async function saveSchedule(q: Queryable, s: Schedule): Promise<Schedule> {
  const { rows } = await q.query<ScheduleRow>(
    `UPDATE coordinator.schedule SET enabled = $1, trigger_time = $2, timezone = $3, universes = $4, updated_at = now(), edited_at = now()
     RETURNING enabled, trigger_time, timezone, universes`,
    [s.enabled, s.triggerTime, s.timezone, s.universes],
  );
  return toSchedule(rows[0]!);
}

/** Applies the configured initial schedule unless the schedule was changed through the API. */
export async function seedSchedule(q: Queryable, s: Schedule): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE coordinator.schedule SET enabled = $1, trigger_time = $2, timezone = $3, universes = $4, updated_at = now()
     WHERE edited_at IS NULL AND (enabled, trigger_time, timezone, universes) IS DISTINCT FROM ($1, $2, $3, $4)`,
    [s.enabled, s.triggerTime, s.timezone, s.universes],
  );
  return rowCount === 1;
}

/** The scheduled instant of the last firing, or null. */
export async function lastFiring(q: Queryable): Promise<Date | null> {
  const { rows } = await q.query<{ at: Date | null }>("SELECT max(scheduled_for) AS at FROM coordinator.schedule_firings");
  return rows[0]?.at ?? null;
}

/** Claims a slot for `runId`: false when the slot's date was already fired (by anyone). */
export async function claimFiring(q: Queryable, slot: ScheduleSlot, runId: string, ownerId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO coordinator.schedule_firings (fire_date, scheduled_for, run_id, owner_id)
     VALUES ($1, $2, $3, $4) ON CONFLICT (fire_date) DO NOTHING`,
    [slot.fireDate, slot.scheduledFor, runId, ownerId],
  );
  return rowCount === 1;
}

// ---- leader lock (on the elector's dedicated session) ----

/** Takes the session advisory lock if free; true when this session holds it. */
export async function tryLeaderLock(q: Queryable, lockId: number): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [lockId]);
  return rows[0]!.ok;
}

export async function releaseLeaderLock(q: Queryable, lockId: number): Promise<void> {
  await q.query("SELECT pg_advisory_unlock($1)", [lockId]);
}

/** A round trip on the session, proving it (and so the lock) is still alive. */
export async function pingSession(q: Queryable): Promise<void> {
  await q.query("SELECT 1");
}
