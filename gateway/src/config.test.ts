import { describe, expect, it } from "vitest";
import { ConfigError } from "@tickstock/common/config.ts";
import { DEVELOPMENT_KEY } from "./auth.ts";
import { loadGatewayConfig } from "./config.ts";

describe("loadGatewayConfig", () => {
  it("refuses the development key in production, naming API_KEYS, whether defaulted or configured", () => {
    expect(() => loadGatewayConfig({ NODE_ENV: "production" })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ NODE_ENV: "production" })).toThrow(/API_KEYS: the development key is refused in production/);
    expect(() => loadGatewayConfig({ NODE_ENV: "production", API_KEYS: `prod-key-0123456789abcdef,${DEVELOPMENT_KEY}` })).toThrow(/API_KEYS/);
  });

  it("accepts own keys in production and the development key elsewhere", () => {
    expect(loadGatewayConfig({ NODE_ENV: "production", API_KEYS: " prod-key-0123456789abcdef , next-key-0123456789abcdef " }).API_KEYS).toEqual(["prod-key-0123456789abcdef", "next-key-0123456789abcdef"]);
    expect(loadGatewayConfig({}).API_KEYS).toEqual([DEVELOPMENT_KEY]);
    expect(loadGatewayConfig({ NODE_ENV: "test" }).API_KEYS).toEqual([DEVELOPMENT_KEY]);
  });

  it("never echoes a refused key in its message", () => {
    const short = "short-secret";
    expect(() => loadGatewayConfig({ API_KEYS: short })).toThrow(/API_KEYS/);
    let message = "";
    try {
      loadGatewayConfig({ NODE_ENV: "production", API_KEYS: `${short},${DEVELOPMENT_KEY}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/API_KEYS/);
    expect(message).not.toContain(short);
    expect(message).not.toContain(DEVELOPMENT_KEY);
  });

  it("reads the trigger rate limit: 30 a minute, bursts of 10 by default; 0 turns it off", () => {
    expect(loadGatewayConfig({})).toMatchObject({ RATE_LIMIT_TRIGGERS_PER_MINUTE: 30, RATE_LIMIT_TRIGGER_BURST: 10 });
    expect(loadGatewayConfig({ RATE_LIMIT_TRIGGERS_PER_MINUTE: "0", RATE_LIMIT_TRIGGER_BURST: "1" })).toMatchObject({ RATE_LIMIT_TRIGGERS_PER_MINUTE: 0, RATE_LIMIT_TRIGGER_BURST: 1 });
    expect(() => loadGatewayConfig({ RATE_LIMIT_TRIGGERS_PER_MINUTE: "-1" })).toThrow(/RATE_LIMIT_TRIGGERS_PER_MINUTE/);
    expect(() => loadGatewayConfig({ RATE_LIMIT_TRIGGER_BURST: "0" })).toThrow(/RATE_LIMIT_TRIGGER_BURST/);
  });
});
