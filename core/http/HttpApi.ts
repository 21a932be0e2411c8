import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { getRequestListener } from "@hono/node-server";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import type { Observable } from "rxjs";
import { ParleyError } from "../errors.ts";
import type { SessionEvent } from "../events.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Session } from "../Session.ts";
import type { UpgradeHandler } from "../transport.ts";
import { type Access, type AuthTokens, authorize, setPrincipal } from "./auth.ts";
import { isClientAbort } from "./body.ts";
import { eventStream } from "./event-stream.ts";
import { type DocumentedRoute, openApiDocument } from "./openapi.ts";
import { requestUrl } from "./request-url.ts";
import { jsonResponse, type RouteOptions, sessionJson } from "./routes.ts";

/** What the pages Parley serves share (assets/): path, content type, what it is. */
const PAGE_ASSETS = [
  ["event-stream.js", "text/javascript; charset=utf-8", "The server-sent event reader the pages share (a JavaScript module)"],
  ["pages.css", "text/css; charset=utf-8", "The style sheet the pages share"],
] as const;

/** What the API serves; the server implements it. */
export interface ApiBackend {
  readonly metrics: Metrics;
  readonly events$: Observable<SessionEvent>;
  readonly shuttingDown: boolean;
  readonly log: Logger;
  sessions(): Session[];
  session(id: string): Session | undefined;
}

/** Limits and credentials of the API. */
export interface HttpApiOptions {
  maxBodyBytes: number;
  tokens: AuthTokens;
}

/** A built-in route's handler, which also sees hono's context. */
type ContextHandler = (request: Request, params: Record<string, string>, c: Context<ApiEnv>) => Response | Promise<Response>;

/** Methods whose requests carry a body. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Per-request values the middleware share. */
type ApiEnv = { Variables: { requestId: string; route: string } };

const SESSION_SCHEMA = {
  type: "object",
  properties: {
    id: { type: "string" },
    transport: { type: "string" },
    codec: { type: "string" },
    sampleRate: { type: "integer" },
    remote: { type: "string" },
    local: { type: "string" },
    startedAt: { type: "integer" },
    durationMs: { type: "integer" },
    location: { type: "string" },
    metadata: { type: "object", additionalProperties: { type: "string" } },
  },
};
const HEALTH_SCHEMA = { type: "object", properties: { status: { enum: ["ok", "shutting_down"] } } };

/** Error answers are JSON: `{"error":{"code","message"}}`, and never leak internals. */
export function errorResponse(error: unknown): Response {
  if (error instanceof ParleyError) {
    const headers: Record<string, string> = error.status === 401 ? { "www-authenticate": 'Bearer realm="parley"' } : {};
    // The rest of a body refused for its size is not read: the connection cannot carry another request.
    if (error.status === 413) headers.connection = "close";
    return jsonResponse({ error: { code: error.code, message: error.message } }, error.status, headers);
  }
  return jsonResponse({ error: { code: "PARLEY_ERR_INTERNAL", message: "Internal error" } }, 500);
}

/** The request target for logs: the URL may carry a token (access_token, for EventSource), logs must not. */
function logTarget(url: string): string {
  const { pathname, search } = new URL(url);
  return `${pathname}${search}`.slice(0, 200).replace(/access_token=[^&]*/g, "access_token=REDACTED");
}

/** Writes an HTTP answer to a socket that asked for an upgrade (there is no ServerResponse for it), then closes it. */
async function refuseUpgrade(socket: Duplex, response: Response): Promise<void> {
  const body = new Uint8Array(await response.arrayBuffer());
  let headers = "";
  response.headers.forEach((value, key) => (headers += `${key}: ${value}\r\n`));
  headers += `content-length: ${body.byteLength}\r\nconnection: close\r\n`;
  socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? "Error"}\r\n${headers}\r\n`), body]));
}

/**
 * The HTTP API on hono, served by node:http (which Deno also provides) through
 * @hono/node-server: sessions, server-sent events, metrics, health, `/openapi.json`, routes that
 * transports and plugins add, and HTTP upgrades handed to transports (WebSocket media).
 */
export class HttpApi {
  readonly #app = new Hono<ApiEnv>();
  readonly #server: Server;
  readonly #streams = new Set<() => void>();
  readonly #upgrades = new Map<string, { name: string; handler: UpgradeHandler }>();
  readonly #documented: DocumentedRoute[] = [];

  constructor(readonly backend: ApiBackend, readonly options: HttpApiOptions) {
    const app = this.#app;
    app.use(requestId());
    app.use(this.#observe);
    app.use(methodNotAllowed({
      app,
      // RFC 9110 15.5.6: a 405 names the methods the resource has.
      onMethodNotAllowed: (c, methods) => {
        const response = errorResponse(new ParleyError("PARLEY_ERR_METHOD_NOT_ALLOWED", c.req.method, c.req.path));
        response.headers.set("allow", methods.join(", "));
        return response;
      },
    }));
    // Every path but the public ones needs a token, existing or not, so the route list cannot be
    // mapped without one.
    app.notFound((c) => {
      try {
        authorize(this.#credentials(c), "api", options.tokens);
        return errorResponse(new ParleyError("PARLEY_ERR_NOT_FOUND", `Route ${c.req.path}`));
      } catch (error) {
        return errorResponse(error);
      }
    });
    // A plugin's handler that reads its body itself meets a client that went away as a stream error: a 400, as in the core's.
    app.onError((error) => errorResponse(isClientAbort(error) ? new ParleyError("PARLEY_ERR_BAD_REQUEST", "the request body ended before it was complete") : error));
    this.#server = createServer(getRequestListener(app.fetch));
    this.#server.on("upgrade", (request, socket, head) => this.#upgrade(request, socket, head));
    this.#builtinRoutes();
  }

  /** Adds a route; `:name` segments become params. API routes need a token when tokens are configured. */
  route(method: string, path: string, handler: ContextHandler, options: RouteOptions = {}): void {
    const access = options.access ?? "api";
    const name = options.name ?? `${method} ${path}`;
    const limit = options.maxBodyBytes ?? this.options.maxBodyBytes;
    this.#documented.push({ method, path, access, doc: options.doc ?? { summary: `${method} ${path}` } });
    // Hono runs every handler registered for a method and path in turn: guard, body limit, handler.
    this.#app.on(method, path, this.#guard(name, access));
    if (limit !== false && BODY_METHODS.has(method)) {
      this.#app.on(method, path, bodyLimit({ maxSize: limit, onError: () => {
        throw new ParleyError("PARLEY_ERR_BODY_TOO_LARGE", limit);
      } }));
    }
    this.#app.on(method, path, (c) => handler(c.req.raw, c.req.param() as Record<string, string>, c));
  }

  /** Takes HTTP upgrade requests on `path` (API token required when tokens are configured). */
  upgrade(path: string, name: string, handler: UpgradeHandler, summary = `${name} (WebSocket)`): void {
    this.#upgrades.set(path, { name, handler });
    // A plain GET of the path (no Upgrade header) reaches hono, which says what the path takes.
    this.#app.on("GET", path, this.#guard(name, "api"), () => {
      const response = errorResponse(new ParleyError("PARLEY_ERR_UPGRADE_REQUIRED", path));
      response.headers.set("upgrade", "websocket");
      return response;
    });
    this.#documented.push({
      method: "GET",
      path,
      access: "api",
      doc: { summary, responses: { "101": { description: "Switching protocols to a WebSocket" }, "426": { description: "Not a WebSocket upgrade request" } } },
    });
  }

  /** Every route and upgrade path registered so far, as `/openapi.json` lists them. */
  routes(): readonly DocumentedRoute[] {
    return this.#documented;
  }

  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting connections and ends event streams. */
  close(): Promise<void> {
    for (const end of this.#streams) end();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections?.();
    });
  }

  #builtinRoutes(): void {
    const { backend } = this;
    const health = (details: boolean) => () =>
      jsonResponse({
        status: backend.shuttingDown ? "shutting_down" : "ok",
        ...(details ? { sessions: backend.sessions().length, uptimeSeconds: Math.round(process.uptime()) } : {}),
      }, backend.shuttingDown ? 503 : 200);
    const sessionDoc = { "application/json": SESSION_SCHEMA };
    // Liveness for load balancers says only whether the server takes calls; the details are for
    // holders of a token (/v1/health), since the number of calls is no one else's business.
    this.route("GET", "/healthz", health(false), {
      name: "healthz",
      access: "public",
      doc: { summary: "Liveness: whether the server takes calls", responses: { "200": { description: "Taking calls", content: { "application/json": HEALTH_SCHEMA } }, "503": { description: "Shutting down" } } },
    });
    this.route("GET", "/v1/health", health(true), {
      name: "health",
      doc: { summary: "Health with the number of sessions and the uptime", responses: { "200": { description: "Taking calls" }, "503": { description: "Shutting down" } } },
    });
    this.route("GET", "/metrics", async () => new Response(await backend.metrics.registry.metrics(), { headers: { "content-type": backend.metrics.registry.contentType } }), {
      name: "metrics",
      access: "metrics",
      doc: { summary: "Prometheus metrics", responses: { "200": { description: "Prometheus text format", content: { "text/plain": { type: "string" } } } } },
    });
    this.route("GET", "/v1/sessions", () => jsonResponse({ sessions: backend.sessions().map(sessionJson) }), {
      name: "sessions",
      doc: { summary: "Sessions in progress", responses: { "200": { description: "The sessions", content: { "application/json": { type: "object", properties: { sessions: { type: "array", items: SESSION_SCHEMA } } } } } } },
    });
    this.route("GET", "/v1/sessions/:id", (_request, params) => jsonResponse(sessionJson(this.#find(params.id!))), {
      name: "session",
      doc: { summary: "One session", responses: { "200": { description: "The session", content: sessionDoc } } },
    });
    this.route("DELETE", "/v1/sessions/:id", async (_request, params) => {
      await this.#find(params.id!).hangup("api");
      return new Response(null, { status: 204 });
    }, { name: "session", doc: { summary: "Hangs up a session", responses: { "204": { description: "Hung up" } } } });
    // The response a slow client is cut off by is node's, which @hono/node-server hands over as `outgoing`.
    const cut = (c: Context<ApiEnv>) => () => (c.env as { outgoing?: ServerResponse }).outgoing?.destroy();
    this.route("GET", "/v1/events", (request, _params, c) => eventStream(request, backend, this.#streams, cut(c)), {
      name: "events",
      doc: {
        summary: "Server-sent events of every session",
        description: "A client that stops reading is dropped once 1 MiB of events waits for it.",
        query: { session: { description: "Only this session's events" }, access_token: { description: "The API token, for EventSource clients" } },
        responses: { "200": { description: "An event stream", content: { "text/event-stream": { type: "string" } } } },
      },
    });
    for (const [file, type, summary] of PAGE_ASSETS) {
      const body = readFileSync(join(import.meta.dirname ?? "core/http", "assets", file));
      this.route("GET", `/assets/${file}`, () => new Response(body, { headers: { "content-type": type, "cache-control": "no-cache" } }), {
        name: "page assets",
        access: "public",
        doc: { summary },
      });
    }
    this.route("GET", "/openapi.json", () => jsonResponse(openApiDocument(this.#documented, { title: "Parley", version: "1.0.0" })), {
      name: "openapi",
      doc: { summary: "This document: the OpenAPI 3.1 description of the API", responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": { type: "object" } } } } },
    });
  }

  /** Names the route for the metrics, checks the token, and refuses changes while shutting down. */
  #guard(name: string, access: Access): MiddlewareHandler<ApiEnv> {
    return async (c, next) => {
      c.set("route", name);
      setPrincipal(c.req.raw, authorize(this.#credentials(c), access, this.options.tokens));
      if (this.backend.shuttingDown && c.req.method !== "GET" && c.req.method !== "HEAD") throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
      await next();
    };
  }

  /** Counts every answer, logs every 5xx with its request id, and gives HEAD answers the length of their GET body. */
  readonly #observe: MiddlewareHandler<ApiEnv> = async (c, next) => {
    await next();
    const { status } = c.res;
    // Set here, on whatever answer came of the request (an error handler's too), so the client can quote it.
    c.res.headers.set("x-request-id", c.get("requestId"));
    this.backend.metrics.httpRequests.inc({ route: c.get("route") ?? "unknown", status: String(status) });
    if (status >= 500) {
      const unexpected = c.error !== undefined && !(c.error instanceof ParleyError);
      if (unexpected) this.backend.metrics.unhandledErrors.inc();
      this.backend.log[unexpected ? "error" : "warn"]({ requestId: c.get("requestId"), method: c.req.method, target: logTarget(c.req.url), status, err: c.error }, "request failed");
    }
    // HEAD is GET without the body (RFC 9110 9.3.2), with the length the body would have.
    if (c.req.method === "HEAD" && c.res.body && !c.res.headers.has("content-length") && !c.res.headers.get("content-type")?.startsWith("text/event-stream")) {
      c.res.headers.set("content-length", String((await c.res.clone().arrayBuffer()).byteLength));
    }
  };

  #credentials(c: Context<ApiEnv>) {
    return { authorization: c.req.header("authorization"), url: new URL(c.req.url) };
  }

  #find(id: string): Session {
    const session = this.backend.session(id);
    if (!session) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `Session ${id}`);
    return session;
  }

  /** Authorises and hands an upgrade request to its transport, or answers it with an HTTP error. */
  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    let route: { name: string; handler: UpgradeHandler } | undefined;
    let failure: Response | undefined;
    try {
      const url = requestUrl(request);
      route = this.#upgrades.get(url.pathname);
      authorize({ authorization: request.headers.authorization, url }, "api", this.options.tokens);
      if (!route) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `WebSocket route ${url.pathname}`);
      if (this.backend.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    } catch (error) {
      failure = errorResponse(error);
    }
    this.backend.metrics.httpRequests.inc({ route: route?.name ?? "unknown", status: String(failure?.status ?? 101) });
    if (failure || !route) void refuseUpgrade(socket, failure!);
    else route.handler(request, socket, head);
  }
}
