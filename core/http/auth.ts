import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ParleyError } from "../errors.ts";
import { requestUrl } from "./request-url.ts";

/** Who may call a route: anyone, holders of an API token, or holders of a metrics (or API) token. */
export type Access = "public" | "api" | "metrics";

/** Bearer tokens the server accepts; an empty list leaves that kind of route open. */
export interface AuthTokens {
  api: readonly string[];
  metrics: readonly string[];
}

const encoder = new TextEncoder();

/** Constant-time comparison, so response timing does not reveal how much of a token matched. */
function matches(candidate: string, tokens: readonly string[]): boolean {
  const given = encoder.encode(candidate);
  let found = false;
  for (const token of tokens) {
    const expected = encoder.encode(token);
    if (expected.length === given.length && timingSafeEqual(expected, given)) found = true;
  }
  return found;
}

/**
 * The bearer token of a request: the Authorization header, or `access_token` in the query for
 * clients that cannot set headers (browser EventSource and WebSocket; RFC 6750 section 2.3).
 */
export function requestToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? "";
  }
  return requestUrl(request).searchParams.get("access_token") ?? undefined;
}

/** Throws PARLEY_ERR_UNAUTHORIZED (401) unless the request may use a route of this access kind. */
export function authorize(request: IncomingMessage, access: Access, tokens: AuthTokens): void {
  if (access === "public") return;
  const accepted = access === "metrics" && tokens.metrics.length > 0 ? [...tokens.metrics, ...tokens.api] : tokens.api;
  if (accepted.length === 0) return;
  const token = requestToken(request);
  if (token === undefined) throw new ParleyError("PARLEY_ERR_UNAUTHORIZED", "this endpoint needs a bearer token (Authorization: Bearer <token>)");
  if (!matches(token, accepted)) throw new ParleyError("PARLEY_ERR_UNAUTHORIZED", "the bearer token is not valid");
}
