import type { Static, TSchema } from "@sinclair/typebox";
import type { Observable, Subscription } from "rxjs";
import type { Clock } from "./Conference.ts";
import type { ErrorEntry, ParleyError } from "./errors.ts";
import type { EventInput, SessionEvent } from "./events.ts";
import type { Access, TokenResolver } from "./http/auth.ts";
import type { TransportMap } from "./transport.ts";
import type { RouteHandler, RouteOptions } from "./http/routes.ts";
import type { Logger } from "./log.ts";
import type { PluginMetrics } from "./metrics.ts";
import type { Session } from "./Session.ts";

/** A JSON Schema object (validated with ajv at registration); a TypeBox schema is one. */
export type JsonSchema = Record<string, unknown>;

/** What a per-session function may return, once any promise it returned has resolved. */
export type SessionWorkResult = Observable<EventInput | void> | Subscription | (() => void) | void;

/**
 * The work a plugin does for one session. Returning an Observable is best: the host subscribes,
 * emits every event it yields, times it, and contains its errors. A Subscription or teardown
 * function is accepted for work the plugin subscribes itself (what it subscribes to on the session
 * is contained too), and a Promise of any of these for work that starts asynchronously.
 */
export type SessionWork = SessionWorkResult | Promise<SessionWorkResult>;

/** The per-session function a plugin's setup returns. */
export type PerSession = (session: Session) => SessionWork;

/** A plugin's own error codes and the functions that make them. */
export interface PluginErrors {
  /**
   * Adds `code` (PARLEY_ERR_..., unique) to the server's error catalogue with its message
   * template (`%s` for each argument) and HTTP status (default 500). Returns a function that makes
   * the error; thrown from a route handler it becomes the coded JSON answer.
   */
  register(code: string, template: string, status?: number): (...args: (string | number)[]) => ParleyError;
}

/**
 * What a plugin's setup is given (fastify style): the server's streams and routes, and what belongs
 * to this plugin alone: its logger, its close hooks, its metrics and its error codes.
 */
export interface PluginContext {
  /** The plugin's name. */
  readonly name: string;
  /** The server's logger with `plugin: name` bound. */
  readonly log: Logger;
  /** Metrics on the server's registry, get-or-create: asking twice for the same one returns it. */
  readonly metrics: PluginMetrics;
  /** The plugin's error codes. */
  readonly errors: PluginErrors;
  /** Every event of every session. */
  readonly events$: Observable<SessionEvent>;
  /** Each new session, as it starts. */
  readonly sessions$: Observable<Session>;
  /** Sessions in progress. */
  sessions(): Session[];
  /** Registered plugins, by name, with their versions. */
  plugins(): ReadonlyMap<string, string>;
  /** Adds an HTTP route to the server's API (access "api" needs a token when tokens are configured). */
  route(method: string, path: string, handler: RouteHandler, options?: Access | RouteOptions): void;
  /**
   * Adds a check every new session must pass: while it returns a reason, new sessions are refused
   * with 503 PARLEY_ERR_UNAVAILABLE and that reason, and counted; sessions already open go on (the
   * routing plugin, while its shared state in Redis is out of reach).
   */
  refuseSessionsWhen(check: () => string | undefined): void;
  /** Adds who the bearer tokens this plugin issues belong to (the routing plugin's agents: role "agent"). */
  addTokenResolver(resolver: TokenResolver): void;
  /** A transport by name (`context.transport("whip").answer(offer, metadata)`); throws PARLEY_ERR_CONFIG when the server has none by that name. */
  transport<K extends keyof TransportMap>(name: K): TransportMap[K];
  /**
   * The server's shared 20 ms pacer: runs `task` once per tick, after the sessions open before it
   * was added, until the returned function is called (what paces a Conference).
   */
  clock: Clock;
  /**
   * Runs `hook` when the server closes, after its sessions have ended: release what setup acquired
   * (worker pools, engines). Hooks run the last registered first, also when setup failed after
   * registering them; one that fails is logged and the others still run.
   */
  onClose(hook: () => void | Promise<void>): void;
}

/** A plugin: one function with metadata checked at registration (fastify style). */
export interface Plugin<Options = Record<string, unknown>> {
  /** Unique name; also the `source` of the events it emits and the `plugin` label of its metrics. */
  readonly name: string;
  /** Its own version, x.y.z. */
  readonly version: string;
  /** Plugins it needs registered first: name to version range ("^1.0.0"). */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** Schema of its options (TypeBox, or any JSON Schema); validated at registration, defaults applied. */
  readonly options?: JsonSchema;
  /** Its error codes: code to [HTTP status, message template], added to the catalogue at registration. */
  readonly errors?: Readonly<Record<string, ErrorEntry>>;
  /**
   * Runs once at registration, after the setups of the plugins registered before it; sessions open
   * only when every setup has finished. Returns the per-session work, if any.
   */
  setup(context: PluginContext, options: Options): PerSession | void | Promise<PerSession | void>;
}

/**
 * Declares a plugin (an identity function that gives the definition its types). With a TypeBox
 * `options` schema the options' type is the schema's: declared once, checked by TypeScript and ajv.
 */
export function definePlugin<S extends TSchema>(plugin: Omit<Plugin<Static<S>>, "options"> & { readonly options: S }): Plugin<Static<S>>;
export function definePlugin<Options = Record<string, unknown>>(plugin: Plugin<Options>): Plugin<Options>;
export function definePlugin(plugin: Plugin<never>): Plugin<never> {
  return plugin;
}
