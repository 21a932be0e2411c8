// The seam between the server and its transports: the server depends on `Transport`, each
// transport on `TransportHost`, and neither imports the other.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { ResolvedConfig } from "./config.ts";
import type { RouteHandler, RouteOptions } from "./http/routes.ts";
import type { Logger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { CallSession, SessionTransport } from "./Session.ts";

/** What a transport tells the server about a new call leg. */
export interface NewSession {
  transport: string;
  codec: string;
  /** Codec PCM rate (rate of `audio$`). */
  sampleRate: number;
  /** Rates the decoder can produce directly. */
  decodableRates: readonly number[];
  /** PCM rate and frame size the transport encodes from. */
  outputRate: number;
  frameSamples: number;
  remote?: string;
  local?: string;
  metadata?: Record<string, string>;
}

/** Takes an accepted, authorised HTTP upgrade request (the WebSocket handshake is the handler's). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What the server lends a transport: sessions, metrics, configuration, a logger and HTTP routes. */
export interface TransportHost {
  readonly config: ResolvedConfig;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** True once the server has begun closing: new sessions are refused. */
  readonly shuttingDown: boolean;
  /** Creates a session: registers it, starts its clock and its plugins. */
  openSession(spec: NewSession, createTransport: (session: CallSession) => SessionTransport): CallSession;
  /** Adds an HTTP route to the API. */
  route(method: string, path: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Takes HTTP upgrade requests on `path` (API token required when tokens are configured). */
  upgrade(path: string, name: string, handler: UpgradeHandler, summary?: string): void;
}

/**
 * A way calls come in (plain RTP, WHIP, WebSocket, ...). `start` registers its routes and begins
 * loading what it needs (heavy libraries by dynamic import, so an unused transport costs nothing);
 * the server awaits it before listening. `close` releases what the transport holds beyond its
 * sessions, which the server has ended by then.
 */
export interface Transport {
  readonly name: string;
  start(host: TransportHost): void | Promise<void>;
  close(): Promise<void>;
}

/**
 * Transports by name, for `server.transport(name)`: each transport module adds its own entry
 * (`declare module`), so the server knows their types without importing them.
 */
// deno-lint-ignore no-empty-interface
export interface TransportMap {}
