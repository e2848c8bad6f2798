import { describe, expect, it } from "vitest";
import { isOwnerDead, recoveryAction, type RunningRun } from "./recovery.ts";

const now = new Date("2025-01-27T22:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);
const policy = { staleAfterMs: 15_000, maxAgeMs: 12 * 3_600_000 };
const run = (r: Partial<RunningRun> = {}): RunningRun => ({ runId: "r1", ownerId: "host:1", startedAt: ago(60_000), heartbeatAt: ago(1000), ...r });

describe("isOwnerDead", () => {
  it("is false while the heartbeat is fresh", () => {
    expect(isOwnerDead(run(), now, 15_000)).toBe(false);
    expect(isOwnerDead(run({ heartbeatAt: ago(15_000) }), now, 15_000)).toBe(false);
  });

  it("is true once the heartbeat is older than the limit, or the run was released", () => {
    expect(isOwnerDead(run({ heartbeatAt: ago(15_001) }), now, 15_000)).toBe(true);
    expect(isOwnerDead(run({ ownerId: null }), now, 15_000)).toBe(true);
  });
});

describe("recoveryAction", () => {
  it("leaves a run whose owner is alive", () => {
    expect(recoveryAction(run(), now, policy)).toEqual({ kind: "leave" });
  });

  it("resumes a recent run of a dead owner", () => {
    expect(recoveryAction(run({ heartbeatAt: ago(60_000) }), now, policy)).toEqual({ kind: "resume" });
  });

  it("resumes a released run at once", () => {
    expect(recoveryAction(run({ ownerId: null, heartbeatAt: ago(10) }), now, policy)).toEqual({ kind: "resume" });
  });

  it("fails a run older than the limit, saying why", () => {
    const action = recoveryAction(run({ startedAt: ago(13 * 3_600_000), heartbeatAt: ago(12 * 3_600_000) }), now, policy);
    expect(action.kind).toBe("fail");
    expect(action.kind === "fail" && action.reason).toContain("stopped responding");
    expect(action.kind === "fail" && action.reason).toContain("13 h");
  });

  it("leaves an old run whose owner is still alive", () => {
    expect(recoveryAction(run({ startedAt: ago(13 * 3_600_000) }), now, policy)).toEqual({ kind: "leave" });
  });
});
