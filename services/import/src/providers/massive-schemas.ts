// The shapes of Massive's answers that we rely on (MASSIVE_API.md §1, §3, §4), checked with zod.
// Only fields we read are checked; extra keys are tolerated. Envelopes are checked whole (a bad
// envelope is a bad response); rows one by one (a bad row is a rejection, the rest goes on).
import { z } from "zod";

/** Grouped daily: `results` may be absent (holiday), null (seen in 2020) or []. */
export const GroupedDailyResponse = z.object({
  status: z.string().optional(),
  results: z.array(z.unknown()).nullish(),
});

/** One grouped-daily row. `t`, `vw`, `n` are not read (n is sometimes missing); v may be fractional. */
export const GroupedDailyRow = z.object({
  T: z.string().min(1),
  o: z.number(),
  h: z.number(),
  l: z.number(),
  c: z.number(),
  v: z.number(),
  otc: z.boolean().optional(),
});

export const TickersPage = z.object({
  results: z.array(z.unknown()).nullish(),
  next_url: z.string().nullish(),
});

export const TickerRow = z.object({
  ticker: z.string().min(1),
  name: z.string().optional().default(""),
  market: z.string().optional(),
  primary_exchange: z.string().optional(),
  type: z.string().optional(),
  active: z.boolean().optional(),
  delisted_utc: z.string().optional(),
});
export type TickerRow = z.infer<typeof TickerRow>;

export const TickerDetailsResponse = z.object({
  results: z.object({
    ticker: z.string(),
    name: z.string().optional(),
    market_cap: z.number().nullish(),
    sic_code: z.string().nullish(),
    sic_description: z.string().nullish(),
    list_date: z.string().nullish(),
    delisted_utc: z.string().nullish(),
    primary_exchange: z.string().nullish(),
    type: z.string().nullish(),
    active: z.boolean().optional(),
  }),
});
export type TickerDetails = z.infer<typeof TickerDetailsResponse>["results"];

/** "price: expected number, received string" from the first issue of a failed parse. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const path = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return `${path}${issue.message}`;
}
