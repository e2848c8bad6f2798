import { getOption, hasOption, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "@tickstock/gen/google/api/annotations_pb.js";

/**
 * REST routes, read from the protos' google.api.http annotations: the protos
 * are the only route table. What the contract sets apart from the code→HTTP
 * table (202 for the two triggers) is listed here, in one place.
 */

export interface RestRoute {
  httpMethod: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  template: string;
  pattern: RegExp;
  pathParams: string[];
  /** "*" (whole body), a field name, or "" (no body). */
  body: string;
  service: DescService;
  method: DescMethod;
  successStatus: number;
  /** Counted against the caller's key (429 with Retry-After past the limit). */
  rateLimited: boolean;
}

/** Methods whose success the contract answers with something other than 200. */
const SUCCESS_STATUS: Record<string, number> = {
  "tickstock.cachesync.v1.CacheSyncService.TriggerSync": 202,
  "tickstock.coordinator.v1.CoordinatorService.TriggerRun": 202,
};

/** Methods rate limited per API key, over REST and Connect alike: the two triggers. */
const RATE_LIMITED: ReadonlySet<string> = new Set([
  "tickstock.cachesync.v1.CacheSyncService.TriggerSync",
  "tickstock.coordinator.v1.CoordinatorService.TriggerRun",
]);

export function isRateLimited(service: DescService, method: DescMethod): boolean {
  return RATE_LIMITED.has(`${service.typeName}.${method.name}`);
}

function compileTemplate(template: string): { pattern: RegExp; pathParams: string[] } {
  const pathParams: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      const m = /^\{([a-z_][a-z0-9_]*)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      pathParams.push(m[1]!);
      return "([^/]+)";
    })
    .join("/");
  return { pattern: new RegExp(`^${source}$`), pathParams };
}

export function restRoutes(services: readonly DescService[]): RestRoute[] {
  const routes: RestRoute[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      const rule = getOption(method, http);
      const { case: verb, value } = rule.pattern;
      if (verb !== "get" && verb !== "post" && verb !== "put" && verb !== "patch" && verb !== "delete") continue;
      routes.push({
        httpMethod: verb.toUpperCase() as RestRoute["httpMethod"],
        template: value,
        ...compileTemplate(value),
        body: rule.body,
        service,
        method,
        successStatus: SUCCESS_STATUS[`${service.typeName}.${method.name}`] ?? 200,
        rateLimited: isRateLimited(service, method),
      });
    }
  }
  return routes;
}

export type RouteMatch = { route: RestRoute; params: Record<string, string> } | { allowed: string[] } | null;

/** The route of a path and method; `{allowed}` when the path exists with other methods (405). */
export function matchRoute(routes: readonly RestRoute[], httpMethod: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    if (route.httpMethod !== httpMethod) {
      allowed.push(route.httpMethod);
      continue;
    }
    const params: Record<string, string> = {};
    route.pathParams.forEach((name, i) => {
      params[name] = m[i + 1]!;
    });
    return { route, params };
  }
  return allowed.length > 0 ? { allowed } : null;
}
