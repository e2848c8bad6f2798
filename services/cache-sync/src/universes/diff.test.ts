import { describe, expect, it } from "vitest";
import { diffUniverse } from "./diff.ts";

describe("diffUniverse", () => {
  it("sees no change in the same members in the same order", () => {
    expect(diffUniverse(["A", "B"], ["A", "B"])).toEqual({ added: [], removed: [], changed: false });
  });

  it("marks a re-ranking as a change without additions or removals", () => {
    expect(diffUniverse(["A", "B"], ["B", "A"])).toEqual({ added: [], removed: [], changed: true });
  });

  it("lists added members in the new order and removed ones in the old order", () => {
    expect(diffUniverse(["A", "B", "C"], ["D", "A", "E"])).toEqual({ added: ["D", "E"], removed: ["B", "C"], changed: true });
  });

  it("treats a universe not stored before as all added", () => {
    expect(diffUniverse(undefined, ["A", "B"])).toEqual({ added: ["A", "B"], removed: [], changed: true });
  });

  it("writes a new empty universe so that it exists", () => {
    expect(diffUniverse(undefined, [])).toEqual({ added: [], removed: [], changed: true });
  });

  it("sees no change between two empty universes", () => {
    expect(diffUniverse([], []).changed).toBe(false);
  });

  it("reports a universe emptied as all removed", () => {
    expect(diffUniverse(["A", "B"], [])).toEqual({ added: [], removed: ["A", "B"], changed: true });
  });
});
