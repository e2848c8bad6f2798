/** All SQL of the coordinator: functions take a Queryable (pool or transaction client) first. */
export * from "./runs.ts";
export * from "./schedule.ts";
