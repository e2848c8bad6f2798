import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { invalidArgument } from "@tickstock/common/errors.ts";
import type { CacheSyncService } from "@tickstock/gen/tickstock/cachesync/v1/cache_sync_pb.js";
import type { ImportService } from "@tickstock/gen/tickstock/import/v1/import_pb.js";
import { BUILTIN_UNIVERSES, unionSymbols } from "./run-plan.ts";

/**
 * A run's universe, by name: `sp500`, `nasdaq100` and `all` are index memberships of the
 * symbols table (asked of the import service), anything else is a universe of cache_entries
 * (asked of the cache-sync service). The coordinator reads neither table itself.
 */
export interface UniverseResolver {
  /** Throws InvalidArgument on `field`, listing the known universes, when a name is unknown. */
  assertKnown(names: readonly string[], field: string, signal?: AbortSignal): Promise<void>;
  /** The sorted union of the universes' members, active symbols only. */
  symbols(names: readonly string[], signal: AbortSignal): Promise<string[]>;
}

export interface UniverseClients {
  import: Pick<Client<typeof ImportService>, "listSymbols">;
  cacheSync: Pick<Client<typeof CacheSyncService>, "listUniverses" | "getUniverse">;
}

const isBuiltin = (name: string): name is (typeof BUILTIN_UNIVERSES)[number] => (BUILTIN_UNIVERSES as readonly string[]).includes(name);

export function createUniverseResolver(clients: UniverseClients, opts: { timeoutMs: number }): UniverseResolver {
  async function indexMembers(index: string, signal: AbortSignal): Promise<string[]> {
    const members: string[] = [];
    for await (const batch of clients.import.listSymbols({ index, batchSize: 10_000 }, { signal, timeoutMs: opts.timeoutMs })) {
      members.push(...batch.symbol);
    }
    return members;
  }

  async function universeMembers(name: string, signal: AbortSignal): Promise<string[]> {
    try {
      const res = await clients.cacheSync.getUniverse({ universe: name }, { signal, timeoutMs: opts.timeoutMs });
      return res.symbols;
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) {
        throw new ConnectError(`universe ${name} no longer exists in cache_entries`, Code.FailedPrecondition);
      }
      throw err;
    }
  }

  return {
    async assertKnown(names, field, signal) {
      const others = names.filter((n) => !isBuiltin(n));
      if (others.length === 0) return;
      const res = await clients.cacheSync.listUniverses({}, { signal, timeoutMs: opts.timeoutMs });
      const known = new Set(res.universes.map((u) => u.universe));
      const unknown = others.find((n) => !known.has(n));
      if (unknown === undefined) return;
      const all = [...BUILTIN_UNIVERSES, ...[...known].sort()];
      throw invalidArgument(field, `unknown universe "${unknown}"; known universes: ${all.join(", ")}`, { universe: unknown });
    },

    async symbols(names, signal) {
      const lists = await Promise.all(names.map((n) => (isBuiltin(n) ? indexMembers(n, signal) : universeMembers(n, signal))));
      return unionSymbols(lists);
    },
  };
}
