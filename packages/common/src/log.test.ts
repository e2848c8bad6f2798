import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, describeLogCall, lastLoggedError } from "./log.ts";

const discard = () => new Writable({ write: (_chunk, _enc, done) => done() });

describe("describeLogCall", () => {
  it("takes the message, and the error's own message when the call carries one", () => {
    expect(describeLogCall(["run failed"])).toBe("run failed");
    expect(describeLogCall([{ run_id: "r" }, "run failed"])).toBe("run failed");
    expect(describeLogCall([{ err: new Error("connection refused") }, "phase failed"])).toBe("phase failed: connection refused");
    expect(describeLogCall([{ err: "timeout" }, "phase failed"])).toBe("phase failed: timeout");
    expect(describeLogCall([new Error("boom"), "crashed"])).toBe("crashed: boom");
    expect(describeLogCall([new Error("boom")])).toBe("boom");
  });

  it("says 'error' for a call without text and caps long messages", () => {
    expect(describeLogCall([{ code: 42 }])).toBe("error");
    expect(describeLogCall(["x".repeat(600)])).toHaveLength(501);
  });
});

describe("lastLoggedError", () => {
  it("remembers the newest error or fatal line of any logger, child loggers included, not warnings", () => {
    const log = createLogger({ service: "test", level: "info", destination: discard() as never });
    log.warn("only a warning");
    expect(lastLoggedError()?.message).not.toBe("only a warning");
    const before = Date.now();
    log.child({ run_id: "r1" }).error({ err: new Error("deadline exceeded") }, "phase failed");
    expect(lastLoggedError()).toEqual({ message: "phase failed: deadline exceeded", at: expect.any(String) });
    expect(Date.parse(lastLoggedError()!.at)).toBeGreaterThanOrEqual(before);
    log.fatal("stopping");
    expect(lastLoggedError()?.message).toBe("stopping");
  });
});
