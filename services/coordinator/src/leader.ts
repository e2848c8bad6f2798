import pg from "pg";
import type { Logger } from "@tickstock/common/log.ts";
import * as store from "./store/index.ts";

/**
 * Leader election with a Postgres session advisory lock held on a dedicated connection. The
 * lock lives as long as that session: when the leader's process dies (or its connection
 * drops), Postgres releases it and a standby's next `check()` takes over.
 */
export interface LeaderElection {
  /** Tries to become (or checks it still is) the leader; true when it is. */
  check(): Promise<boolean>;
  isLeader(): boolean;
  /** Gives the lock up and closes the connection. */
  resign(): Promise<void>;
}

export function createLeaderElection(opts: { databaseUrl: string; lockId: number; log: Logger }): LeaderElection {
  let client: pg.Client | null = null;
  let leader = false;

  function drop(reason: string): void {
    if (leader) opts.log.warn({ reason }, "lost scheduler leadership");
    leader = false;
    const c = client;
    client = null;
    c?.end().catch(() => undefined);
  }

  async function connect(): Promise<pg.Client> {
    // keepAlive and a query timeout: a silently dead link must cost leadership, not hang the check.
    const c = new pg.Client({ connectionString: opts.databaseUrl, application_name: "tickstock-coordinator-leader", keepAlive: true, query_timeout: 10_000 });
    c.on("error", (err) => {
      if (client === c) drop(`leader connection error: ${err.message}`);
    });
    c.on("end", () => {
      if (client === c) drop("leader connection closed");
    });
    await c.connect();
    return c;
  }

  return {
    async check() {
      try {
        client ??= await connect();
        if (leader) {
          await store.pingSession(client);
          return true;
        }
        leader = await store.tryLeaderLock(client, opts.lockId);
        if (leader) opts.log.info({ lock_id: opts.lockId }, "became scheduler leader");
        return leader;
      } catch (err) {
        drop(`leader check failed: ${(err as Error).message}`);
        return false;
      }
    },
    isLeader: () => leader,
    async resign() {
      const c = client;
      if (c && leader) await store.releaseLeaderLock(c, opts.lockId).catch(() => undefined);
      leader = false;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
