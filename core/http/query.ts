// Query parameters that several APIs read the same way.
import { ParleyError } from "../errors.ts";

/** A time from the query parameter `name`: ms since the epoch or an ISO 8601 date; undefined when absent or empty, PARLEY_ERR_BAD_REQUEST when unreadable. */
export function queryTime(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(time)) throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `${name} must be ms since the epoch or an ISO date, got ${JSON.stringify(value)}`);
  return time;
}
