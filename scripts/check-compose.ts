/**
 * Static check of docker-compose.yml (no container engine runs in CI): every
 * process is there with a health check and a restart policy, every service
 * connects as its own role, ports match CONTRACT §1, and every command's
 * script exists in the repository.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../", import.meta.url));
const doc = parse(readFileSync(`${root}docker-compose.yml`, "utf8"), { merge: true }) as { services: Record<string, Record<string, unknown>> };
const problems: string[] = [];
const expected: Record<string, { port: string; role?: string }> = {
  postgres: { port: "" },
  redis: { port: "" },
  import: { port: "50052", role: "tickstock_import" },
  "cache-sync": { port: "50053", role: "tickstock_cache_sync" },
  analytics: { port: "50054", role: "tickstock_analytics" },
  coordinator: { port: "50051", role: "tickstock_coordinator" },
  gateway: { port: "8080", role: "tickstock_reader" },
};
for (const [name, want] of Object.entries(expected)) {
  const svc = doc.services?.[name];
  if (!svc) {
    problems.push(`${name}: missing`);
    continue;
  }
  if (!svc.healthcheck) problems.push(`${name}: no healthcheck`);
  if (!svc.restart || svc.restart === "no") problems.push(`${name}: no restart policy`);
  const env = (svc.environment ?? {}) as Record<string, string>;
  if (want.role && !String(env.DATABASE_URL ?? "").includes(`//${want.role}:`)) problems.push(`${name}: DATABASE_URL does not use role ${want.role}`);
  const ports = JSON.stringify([svc.expose ?? [], svc.ports ?? []]);
  if (want.port && !ports.includes(want.port)) problems.push(`${name}: port ${want.port} not exposed`);
  const command = (svc.command ?? []) as string[];
  for (const arg of command) if (/\.(ts|js)$/.test(arg) && !existsSync(`${root}${arg}`)) problems.push(`${name}: ${arg} does not exist`);
}
if (problems.length > 0) {
  process.stderr.write(`docker-compose.yml: ${problems.join("; ")}\n`);
  process.exit(1);
}
process.stdout.write(`docker-compose.yml: ${Object.keys(expected).length} processes checked\n`);
