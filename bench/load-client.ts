/**
 * The load generator, in its own process so that it does not share an event
 * loop with what it measures: `node --import tsx bench/load-client.ts '<json options>'`
 * prints autocannon's result as JSON, with `errorCodes`: how many requests failed with each
 * error (ECONNRESET, a timeout, ...), since autocannon's result only counts them.
 */
import autocannon from "autocannon";

const opts = JSON.parse(process.argv[2] ?? "{}") as autocannon.Options;
const errorCodes: Record<string, number> = {};
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  const instance = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  instance.on("reqError", (err: Error & { code?: string }) => {
    const key = err.code ?? err.message;
    errorCodes[key] = (errorCodes[key] ?? 0) + 1;
  });
});
process.stdout.write(JSON.stringify({ ...result, errorCodes }));
