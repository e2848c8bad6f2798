// What to do with a run left `running` that no execution of this process drives: leave it to
// its live owner, resume it, or end it failed. Pure: the database's clock reading is `now`.

export interface RunningRun {
  runId: string;
  ownerId: string | null;
  startedAt: Date;
  heartbeatAt: Date;
}

export interface RecoveryPolicy {
  /** A heartbeat older than this means the owner is dead. */
  staleAfterMs: number;
  /** A run older than this is not resumed but ended failed. */
  maxAgeMs: number;
}

export type RecoveryAction =
  | { kind: "leave" }
  | { kind: "resume" }
  | { kind: "fail"; reason: string };

export function isOwnerDead(run: Pick<RunningRun, "ownerId" | "heartbeatAt">, now: Date, staleAfterMs: number): boolean {
  return run.ownerId === null || now.getTime() - run.heartbeatAt.getTime() > staleAfterMs;
}

export function recoveryAction(run: RunningRun, now: Date, policy: RecoveryPolicy): RecoveryAction {
  if (!isOwnerDead(run, now, policy.staleAfterMs)) return { kind: "leave" };
  const ageMs = now.getTime() - run.startedAt.getTime();
  if (ageMs > policy.maxAgeMs) {
    const hours = Math.round((ageMs / 3_600_000) * 10) / 10;
    const why = run.ownerId === null ? "was stopped" : "stopped responding";
    return { kind: "fail", reason: `abandoned: its coordinator ${why} and the run, started ${hours} h ago, is older than the recovery limit` };
  }
  return { kind: "resume" };
}
