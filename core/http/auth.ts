import { timingSafeEqual } from "node:crypto";
import { ParleyError } from "../errors.ts";

/**
 * What a bearer token lets its holder do: `admin` everything (the API tokens), `supervisor` every
 * agent and call, `agent` only itself and its calls (tokens a plugin issues, such as the routing
 * plugin's agents), `metrics` only `/metrics`.
 */
export type Role = "admin" | "supervisor" | "agent" | "metrics";

/** Who is asking: a role, and for an agent which one. */
export interface Principal {
  role: Role | "anonymous";
  agentId?: string;
}

/**
 * Who may call a route: anyone; "api" (admin or supervisor; open while the server has no API or
 * supervisor tokens); "metrics" (those and metrics tokens); or the roles named. A known token of
 * another role gets 403.
 */
export type Access = "public" | "api" | "metrics" | { roles: readonly Role[] };

/** Who a token a plugin issued belongs to, or undefined when it is not one of its tokens. */
export type TokenResolver = (token: string) => Principal | undefined;

/** Bearer tokens the server accepts; an empty list leaves that kind of route open. */
export interface AuthTokens {
  api: readonly string[];
  metrics: readonly string[];
  supervisor?: readonly string[];
  /** Resolvers of the tokens plugins issue (agents'), asked in turn. */
  resolvers?: readonly TokenResolver[];
}

/** What auth reads of a request: its Authorization header and its URL. */
export interface Credentials {
  authorization: string | null | undefined;
  url: URL;
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
export function requestToken({ authorization, url }: Credentials): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1] ?? "";
  }
  return url.searchParams.get("access_token") ?? undefined;
}

/** The principal a token names, or undefined when no configured token or resolver knows it. */
function principalOf(token: string, tokens: AuthTokens): Principal | undefined {
  if (matches(token, tokens.api)) return { role: "admin" };
  if (matches(token, tokens.supervisor ?? [])) return { role: "supervisor" };
  if (matches(token, tokens.metrics)) return { role: "metrics" };
  for (const resolve of tokens.resolvers ?? []) {
    const principal = resolve(token);
    if (principal) return principal;
  }
  return undefined;
}

const ROLES_OF: Record<"api" | "metrics", readonly Role[]> = { api: ["admin", "supervisor"], metrics: ["admin", "supervisor", "metrics"] };

/**
 * Who is asking, if the request may use a route of this access kind; throws PARLEY_ERR_UNAUTHORIZED
 * (401) without a valid token where one is needed, PARLEY_ERR_FORBIDDEN (403) for a token whose
 * role the route does not take. A server without API and supervisor tokens leaves "api" and the
 * admin and supervisor routes open (its own machine, or a trusted network); routes for agents
 * only always need the agent's token, since it says who the agent is.
 */
export function authorize(credentials: Credentials, access: Access, tokens: AuthTokens): Principal {
  if (access === "public") return { role: "anonymous" };
  const roles = typeof access === "string" ? ROLES_OF[access] : access.roles;
  const open = tokens.api.length === 0 && (tokens.supervisor ?? []).length === 0 && (access !== "metrics" || tokens.metrics.length === 0);
  const token = requestToken(credentials);
  if (token === undefined || token === "") {
    if (open && (roles.includes("admin") || roles.includes("supervisor"))) return { role: "admin" };
    throw new ParleyError("PARLEY_ERR_UNAUTHORIZED", "this endpoint needs a bearer token (Authorization: Bearer <token>)");
  }
  const principal = principalOf(token, tokens);
  if (!principal) {
    if (open && (roles.includes("admin") || roles.includes("supervisor"))) return { role: "admin" };
    throw new ParleyError("PARLEY_ERR_UNAUTHORIZED", "the bearer token is not valid");
  }
  if (principal.role === "anonymous" || !roles.includes(principal.role)) {
    throw new ParleyError("PARLEY_ERR_FORBIDDEN", `a ${principal.role} token cannot use this endpoint (it takes ${roles.join(" or ")})`);
  }
  return principal;
}

/** Who made each request that passed `authorize`, for handlers that serve each principal its own (an agent its calls). */
const principals = new WeakMap<Request, Principal>();

/** Records who made `request` (the HTTP layer does, once authorised). */
export function setPrincipal(request: Request, principal: Principal): void {
  principals.set(request, principal);
}

/** Who made `request`: its principal once authorised, anonymous otherwise. */
export function requestPrincipal(request: Request): Principal {
  return principals.get(request) ?? { role: "anonymous" };
}
