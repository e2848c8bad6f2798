// What changed in one universe. Order matters to readers (the lists are rankings), so a pure
// re-ranking is a change to write, but it adds and removes nothing.
import type { UniverseDiff } from "./types.ts";

export function diffUniverse(before: readonly string[] | undefined, after: readonly string[]): UniverseDiff {
  if (before === undefined) return { added: [...new Set(after)], removed: [], changed: true };
  if (sameOrder(before, after)) return { added: [], removed: [], changed: false };
  const beforeSet = new Set(before);
  const afterSet = new Set(after);
  const added = [...afterSet].filter((s) => !beforeSet.has(s));
  const removed = [...beforeSet].filter((s) => !afterSet.has(s));
  return { added, removed, changed: true };
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
