#!/usr/bin/env node
// The `tickstock` command: loads tsx (the repository runs TypeScript as it is) and the CLI.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
