// What a route is made of: a web-standard handler and how it is guarded and documented.
import type { Session } from "../Session.ts";
import type { Access } from "./auth.ts";

/**
 * A request handler for one route: a web-standard `Request` in, a `Response` out. `params` holds
 * the `:name` segments of the route's path, percent-decoded.
 */
export type RouteHandler = (request: Request, params: Record<string, string>) => Response | Promise<Response>;

/** A JSON Schema, as OpenAPI 3.1 takes it. */
export type SchemaObject = Record<string, unknown>;

/** One documented answer of a route. */
export interface ResponseDoc {
  description: string;
  /** Body schemas by media type ("application/json": {...}). */
  content?: Record<string, SchemaObject>;
}

/** What the OpenAPI document says of a route. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** Request body schemas by media type. */
  requestBody?: Record<string, SchemaObject>;
  /** Answers by status code ("201"); error answers are added for every route. */
  responses?: Record<string, ResponseDoc>;
  /** Query parameters by name. */
  query?: Record<string, { description: string; schema?: SchemaObject }>;
}

/** How a route is guarded and documented. */
export interface RouteOptions {
  /** Name in the `parley_http_requests_total` metric (default "METHOD path"). */
  name?: string;
  /** Who may call it (default "api": a token when tokens are configured). */
  access?: Access;
  /**
   * Largest body taken, bytes (default the server's `http.maxBodyBytes`); `false` when the handler
   * reads and bounds the body itself, as it arrives.
   */
  maxBodyBytes?: number | false;
  /** Its entry in `/openapi.json` (default: a summary made of method and path). */
  doc?: RouteDoc;
}

/** A JSON answer. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** The JSON shape of a session in API answers. */
export function sessionJson(session: Session): object {
  const { info } = session;
  return { ...info, location: `/v1/sessions/${info.id}`, durationMs: Date.now() - info.startedAt };
}
