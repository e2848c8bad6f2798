export * from "./config.ts";
export * from "./db.ts";
export * from "./errors.ts";
export * from "./events.ts";
export * from "./log.ts";
export * from "./serve.ts";
export * from "./clients.ts";
export * from "./bootstrap.ts";
