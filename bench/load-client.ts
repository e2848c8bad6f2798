/**
 * The load generator, in its own process so that it does not share an event
 * loop with what it measures: `node --import tsx bench/load-client.ts '<json options>'`
 * prints autocannon's result as JSON.
 */
import autocannon from "autocannon";

const opts = JSON.parse(process.argv[2] ?? "{}") as autocannon.Options;
const result = await autocannon(opts);
process.stdout.write(JSON.stringify(result));
