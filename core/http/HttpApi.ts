import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Observable } from "rxjs";
import { type WebSocket, WebSocketServer } from "ws";
import { ParleyError } from "../errors.ts";
import { serializeEvent, type SessionEvent } from "../events.ts";
import type { Metrics } from "../metrics.ts";
import type { Session } from "../Session.ts";
import { type Access, type AuthTokens, authorize } from "./auth.ts";
import { mediaType, parseJsonObject, readBody } from "./body.ts";
import { requestUrl } from "./request-url.ts";

/** An answer to an API request: a JSON object, text or bytes. */
export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array | object;
}

/** A request handler for one route, given the body reader so it decides how to read it. */
export type RouteHandler = (request: IncomingMessage, params: Record<string, string>, body: () => Promise<string>) => Promise<ApiResponse>;

/** What the API serves; the server implements it. */
export interface ApiBackend {
  readonly metrics: Metrics;
  readonly events$: Observable<SessionEvent>;
  readonly shuttingDown: boolean;
  sessions(): Session[];
  session(id: string): Session | undefined;
}

interface Route {
  method: string;
  pattern: RegExp;
  name: string;
  handler: RouteHandler;
  access: Access;
}

/** Takes an accepted WebSocket connection (authorised already). */
export type WebSocketHandler = (socket: WebSocket, request: IncomingMessage) => void;

interface WebSocketRoute {
  path: string;
  name: string;
  handler: WebSocketHandler;
}

/** Limits and credentials of the API. */
export interface HttpApiOptions {
  maxBodyBytes: number;
  maxWebSocketMessageBytes: number;
  tokens: AuthTokens;
}

const SSE_HEARTBEAT_MS = 15000;
/** Bytes of events that may wait for one slow event-stream client before it is dropped. */
const SSE_MAX_BUFFERED_BYTES = 1 << 20;

/** The JSON shape of a session in API answers. */
export function sessionJson(session: Session): object {
  const { info } = session;
  return { ...info, location: `/v1/sessions/${info.id}`, durationMs: Date.now() - info.startedAt };
}

/** Error answers are JSON: `{"error":{"code","message"}}`, and never leak internals. */
function errorResponse(error: unknown): ApiResponse {
  if (error instanceof ParleyError) {
    const headers: Record<string, string> = error.status === 401 ? { "www-authenticate": 'Bearer realm="parley"' } : {};
    return { status: error.status, headers, body: { error: { code: error.code, message: error.message } } };
  }
  return { status: 500, body: { error: { code: "PARLEY_ERR_INTERNAL", message: "Internal error" } } };
}

/**
 * The HTTP API on node:http (which Deno also provides): sessions, server-sent events, metrics,
 * health, and routes that transports add (`POST /v1/rtp`, later `/whip`).
 */
export class HttpApi {
  readonly #routes: Route[] = [];
  readonly #server: Server;
  readonly #streams = new Set<ServerResponse>();
  readonly #webSocketRoutes: WebSocketRoute[] = [];
  readonly #webSockets: WebSocketServer;

  constructor(readonly backend: ApiBackend, readonly options: HttpApiOptions) {
    this.#server = createServer((request, response) => this.#handle(request, response));
    this.#webSockets = new WebSocketServer({ noServer: true, maxPayload: options.maxWebSocketMessageBytes });
    this.#server.on("upgrade", (request, socket, head) => this.#upgrade(request, socket, head));
    // Liveness for load balancers says only whether the server takes calls; the details are for
    // holders of a token (/v1/health), since the number of calls is no one else's business.
    this.route("GET", "/healthz", "healthz", async () => ({
      status: backend.shuttingDown ? 503 : 200,
      body: { status: backend.shuttingDown ? "shutting_down" : "ok" },
    }), "public");
    this.route("GET", "/v1/health", "health", async () => ({
      status: backend.shuttingDown ? 503 : 200,
      body: { status: backend.shuttingDown ? "shutting_down" : "ok", sessions: backend.sessions().length, uptimeSeconds: Math.round(process.uptime()) },
    }));
    this.route("GET", "/metrics", "metrics", async () => ({
      status: 200,
      headers: { "content-type": backend.metrics.registry.contentType },
      body: await backend.metrics.registry.metrics(),
    }), "metrics");
    this.route("GET", "/v1/sessions", "sessions", async () => ({ status: 200, body: { sessions: backend.sessions().map(sessionJson) } }));
    this.route("GET", "/v1/sessions/:id", "session", async (_request, params) => ({ status: 200, body: sessionJson(this.#find(params.id)) }));
    this.route("DELETE", "/v1/sessions/:id", "session", async (_request, params) => {
      await this.#find(params.id).hangup("api");
      return { status: 204 };
    });
  }

  /** Adds a route; `:name` segments become params. API routes need a token when tokens are configured. */
  route(method: string, path: string, name: string, handler: RouteHandler, access: Access = "api"): void {
    const pattern = new RegExp(`^${path.replace(/:(\w+)/g, "(?<$1>[^/]+)")}$`);
    this.#routes.push({ method, pattern, name, handler, access });
  }

  /** Accepts WebSocket connections on `path` (API token required when tokens are configured). */
  webSocket(path: string, name: string, handler: WebSocketHandler): void {
    this.#webSocketRoutes.push({ path, name, handler });
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
    for (const stream of this.#streams) stream.end();
    for (const client of this.#webSockets.clients) client.terminate();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections?.();
    });
  }

  #find(id: string): Session {
    const session = this.backend.session(id);
    if (!session) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `Session ${id}`);
    return session;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? "GET";
    let routeName = "unknown";
    let answer: ApiResponse;
    let allow: string | undefined;
    try {
      const url = requestUrl(request);
      // HEAD is GET without the body (RFC 9110 9.3.2).
      const lookup = method === "HEAD" ? "GET" : method;
      if (lookup === "GET" && url.pathname === "/v1/events") {
        authorize(request, "api", this.options.tokens);
        this.#streamEvents(url, response, method === "HEAD");
        this.backend.metrics.httpRequests.inc({ route: "events", status: "200" });
        return;
      }
      const matches = this.#routes.filter((route) => route.pattern.test(url.pathname));
      const route = matches.find((candidate) => candidate.method === lookup);
      // Every path but the public ones needs a token, existing or not, so the route list cannot be
      // mapped without one.
      authorize(request, route?.access ?? "api", this.options.tokens);
      if (!route) {
        if (matches.length === 0) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `Route ${url.pathname}`);
        // RFC 9110 15.5.6: a 405 names the methods the resource has.
        const methods = [...new Set(matches.map((candidate) => candidate.method))];
        allow = methods.flatMap((name) => (name === "GET" ? ["GET", "HEAD"] : [name])).join(", ");
        throw new ParleyError("PARLEY_ERR_METHOD_NOT_ALLOWED", method, url.pathname);
      }
      routeName = route.name;
      if (this.backend.shuttingDown && lookup !== "GET") throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
      const params = route.pattern.exec(url.pathname)?.groups ?? {};
      answer = await route.handler(request, params, () => readBody(request, this.options.maxBodyBytes));
    } catch (error) {
      answer = errorResponse(error);
      if (answer.status >= 500 && !(error instanceof ParleyError)) this.#logFailure(request, error);
      if (answer.status === 413) answer.headers = { connection: "close" };
      if (allow) answer.headers = { allow };
    }
    this.backend.metrics.httpRequests.inc({ route: routeName, status: String(answer.status) });
    if (response.destroyed) return;
    const json = typeof answer.body === "object" && !(answer.body instanceof Uint8Array);
    const body = answer.body === undefined ? "" : json ? JSON.stringify(answer.body) : answer.body as string | Uint8Array;
    const headers = { ...(json ? { "content-type": "application/json" } : {}), ...answer.headers };
    if (method === "HEAD") {
      response.writeHead(answer.status, { ...headers, "content-length": String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength) });
      response.end();
      return;
    }
    response.writeHead(answer.status, headers);
    response.end(body);
  }

  /** A 500 the handlers did not foresee: logged with the request it answered, never shown to the client. */
  #logFailure(request: IncomingMessage, error: unknown): void {
    this.backend.metrics.unhandledErrors.inc();
    // The URL may carry a token (access_token, for EventSource): logs must not.
    const target = String(request.url).slice(0, 200).replace(/access_token=[^&]*/g, "access_token=REDACTED");
    console.error(`parley: 500 on ${request.method} ${target}:`, error);
  }

  /** Authorises and hands an upgrade request to its WebSocket route, or answers it with an HTTP error. */
  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    let route: WebSocketRoute | undefined;
    let failure: ApiResponse | undefined;
    try {
      const path = requestUrl(request).pathname;
      route = this.#webSocketRoutes.find((candidate) => candidate.path === path);
      authorize(request, "api", this.options.tokens);
      if (!route) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `WebSocket route ${path}`);
      if (this.backend.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    } catch (error) {
      failure = errorResponse(error);
    }
    this.backend.metrics.httpRequests.inc({ route: route?.name ?? "unknown", status: String(failure?.status ?? 101) });
    if (failure || !route) {
      const body = JSON.stringify(failure!.body);
      const headers = Object.entries({ ...failure!.headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), connection: "close" })
        .map(([key, value]) => `${key}: ${value}\r\n`).join("");
      socket.end(`HTTP/1.1 ${failure!.status} ${STATUS_CODES[failure!.status] ?? "Error"}\r\n${headers}\r\n${body}`);
      return;
    }
    this.#webSockets.handleUpgrade(request, socket, head, (webSocket) => route.handler(webSocket, request));
  }

  /**
   * Server-sent events of every session (or one, with `?session=id`). A client that stops reading
   * is dropped once SSE_MAX_BUFFERED_BYTES wait for it, and counted: its events are not kept.
   */
  #streamEvents(url: URL, response: ServerResponse, headOnly: boolean): void {
    const only = url.searchParams.get("session");
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    if (headOnly) {
      response.end();
      return;
    }
    response.write(": parley events\n\n");
    this.#streams.add(response);
    const send = (text: string) => {
      if (response.writableLength > SSE_MAX_BUFFERED_BYTES) {
        this.backend.metrics.slowClientsDropped.inc({ channel: "sse" });
        response.destroy();
        return;
      }
      response.write(text);
    };
    const subscription = this.backend.events$.subscribe((event) => {
      if (!only || event.sessionId === only) send(`event: ${event.type}\ndata: ${serializeEvent(event)}\n\n`);
    });
    const heartbeat = setInterval(() => send(": heartbeat\n\n"), SSE_HEARTBEAT_MS);
    response.on("close", () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
      this.#streams.delete(response);
    });
  }
}

/** Reads a JSON object body, checking the content type. */
export async function readJson(request: IncomingMessage, body: () => Promise<string>): Promise<Record<string, unknown>> {
  const type = mediaType(request);
  if (type !== "application/json") throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", "application/json");
  return parseJsonObject(await body());
}
