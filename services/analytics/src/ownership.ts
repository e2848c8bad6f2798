// Who runs a phase, so that no phase record stays 'running' after its process died (kill -9, a
// crash, a lost machine). Each analytics process has an owner id and holds a session advisory
// lock on it, on a connection of its own, for as long as it lives; PostgreSQL releases the lock
// when the session ends, however the process ended. Recovery (at start-up, then periodically, by
// any replica) ends 'failed' every running record whose owner's lock it can take: that owner is
// gone. A live replica's lock cannot be taken, so its phases are never touched.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Logger } from "@tickstock/common/log.ts";

/** Advisory lock namespace (first key of the two-key form) of analytics owners. */
const OWNER_LOCK_SPACE = 71301;

export interface Ownership {
  /** This process's owner id (uuid), written on every phase record it starts. */
  readonly owner: string;
  /** Stops the periodic recovery and releases the lock. */
  close(): Promise<void>;
}

/**
 * Takes this process's owner lock, ends the records of dead owners, and repeats that every
 * `recoverEveryMs` (a replica that died while others run is cleaned up without a restart). If the
 * lock's connection is lost (PostgreSQL restarting), it is taken again as soon as possible.
 */
export async function claimOwnership(pool: pg.Pool, log: Logger, opts: { recoverEveryMs?: number } = {}): Promise<Ownership> {
  const owner = randomUUID();
  let holder: { client: pg.PoolClient; release(err?: Error): void } | null = null;
  let closed = false;

  const lock = async (): Promise<void> => {
    const client = await pool.connect();
    // Released once: a terminated session reports more than one error (the server's FATAL, then
    // the closed socket), and close() may have released it already.
    let released = false;
    const release = (err?: Error) => {
      if (released) return;
      released = true;
      client.off("error", onError);
      client.release(err);
    };
    const onError = (err: Error) => {
      log.warn({ err: err.message }, "lost the connection holding the analytics owner lock; taking it again");
      release(err);
      if (holder?.client === client) holder = null;
      if (!closed) relock();
    };
    client.on("error", onError);
    try {
      await client.query("SELECT pg_advisory_lock($1, hashtext($2))", [OWNER_LOCK_SPACE, owner]);
    } catch (err) {
      release(err as Error);
      throw err;
    }
    holder = { client, release };
  };
  const relock = (delayMs = 500) => {
    setTimeout(() => {
      if (closed || holder) return;
      lock().catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, "could not take the analytics owner lock; retrying");
        relock(Math.min(delayMs * 2, 10_000));
      });
    }, delayMs).unref();
  };

  await lock();
  await recoverAbandonedPhaseRuns(pool, log);
  let recovering: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    recovering = recoverAbandonedPhaseRuns(pool, log).catch((err: unknown) => log.warn({ err: (err as Error).message }, "phase record recovery failed"));
  }, opts.recoverEveryMs ?? 60_000);
  timer.unref();

  return {
    owner,
    async close() {
      closed = true;
      clearInterval(timer);
      await recovering;
      const held = holder;
      holder = null;
      if (!held) return;
      await held.client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [OWNER_LOCK_SPACE, owner]).catch(() => undefined);
      held.release();
    },
  };
}

/**
 * Ends 'failed' the running phase records whose owner is gone (its lock is free) or unknown.
 * Answers how many it ended.
 */
export async function recoverAbandonedPhaseRuns(pool: pg.Pool, log: Logger): Promise<number> {
  const { rows } = await pool.query<{ owner: string | null }>("SELECT DISTINCT owner FROM analytics.phase_runs WHERE status = 'running'");
  if (rows.length === 0) return 0;
  const client = await pool.connect();
  let ended = 0;
  try {
    for (const { owner } of rows) {
      if (owner !== null) {
        const { rows: got } = await client.query<{ free: boolean }>("SELECT pg_try_advisory_lock($1, hashtext($2)) AS free", [OWNER_LOCK_SPACE, owner]);
        if (!got[0]!.free) continue; // alive
      }
      try {
        const { rowCount } = await client.query(
          `UPDATE analytics.phase_runs
              SET status = 'failed', ended_at = now(), error = 'interrupted: the analytics process running the phase stopped'
            WHERE status = 'running' AND owner IS NOT DISTINCT FROM $1`,
          [owner],
        );
        ended += rowCount ?? 0;
        if (rowCount) log.warn({ owner, phase_runs: rowCount }, "phase records of a stopped analytics process ended failed");
      } finally {
        if (owner !== null) await client.query("SELECT pg_advisory_unlock($1, hashtext($2))", [OWNER_LOCK_SPACE, owner]);
      }
    }
  } finally {
    client.release();
  }
  return ended;
}
