import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { config as rxConfig, Observable, Subject } from "rxjs";
import { AudioFanout } from "./AudioFanout.ts";
import { type ParleyConfig, type ResolvedConfig, resolveConfig } from "./config.ts";
import type { SessionEvent } from "./events.ts";
import { defaultTransports } from "./default-transports.ts";
import { ParleyError } from "./errors.ts";
import type { Access, TokenResolver } from "./http/auth.ts";
import { HttpApi } from "./http/HttpApi.ts";
import type { RouteHandler, RouteOptions } from "./http/routes.ts";
import { createLogger, type Logger } from "./log.ts";
import { MemoryReleaser } from "./memory-releaser.ts";
import { Metrics } from "./metrics.ts";
import { Pacer } from "./Pacer.ts";
import type { Plugin } from "./plugin.ts";
import { PluginHost, type PluginServer } from "./PluginHost.ts";
import { CallSession, type CloseInfo, type Session, type SessionHost, type SessionInfo, type SessionTransport } from "./Session.ts";
import type { NewSession, Transport, TransportHost, TransportMap } from "./transport.ts";

export type { NewSession } from "./transport.ts";

/** How far above its lowest RSS after a release the server must be to release freed memory again. */
const MEMORY_RELEASE_GROWTH_BYTES = 16 * 1024 * 1024;

/** What a server is built from besides its configuration: parts given as objects. */
export interface ServerParts {
  /** The transports calls come in by (default: plain RTP, WHIP and WebSocket). */
  transports?: Transport[];
  /** The root logger (default: pino on stdout at `logLevel`). */
  logger?: Logger;
}

/**
 * A Parley server: plugins, sessions from every transport, the HTTP API and metrics. Create it
 * with `createServer(config)`, add plugins with `use`, then `listen`.
 */
export class ParleyServer implements PluginServer, SessionHost {
  readonly config: ResolvedConfig;
  readonly metrics = new Metrics();
  /** The root logger: `server.log.child({ plugin: name })`; each session has its child (`session.log`). */
  readonly log: Logger;
  /** Every event of every session. */
  readonly events$: Observable<SessionEvent>;
  /** Each new session as it starts. */
  readonly sessions$: Observable<Session>;
  readonly #events = new Subject<SessionEvent>();
  readonly #newSessions = new Subject<Session>();
  readonly #sessions = new Map<string, CallSession>();
  readonly #pacer: Pacer;
  readonly #plugins: PluginHost;
  readonly #http: HttpApi;
  readonly #transports = new Map<string, Transport>();
  readonly #transportsStarted: Promise<unknown>;
  readonly #sessionTicks = new Map<string, () => void>();
  /** Who the tokens plugins issue belong to (the routing plugin's agents). */
  readonly #tokenResolvers: TokenResolver[] = [];
  readonly #rxErrorHandler = (error: unknown) => this.#unhandled(error);
  #address?: AddressInfo;
  #memoryReleaser?: MemoryReleaser;
  #shuttingDown = false;

  constructor(config: ParleyConfig & ServerParts = {}) {
    const { transports = defaultTransports(), logger, ...settings } = config;
    this.config = resolveConfig(settings);
    const names = transports.map((transport) => transport.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw new ParleyError("PARLEY_ERR_CONFIG", `two transports are named "${twice}"`);
    this.log = logger ?? createLogger(this.config.logLevel);
    this.events$ = this.#events.asObservable();
    this.sessions$ = this.#newSessions.asObservable();
    this.#pacer = new Pacer((error) => this.#unhandled(error));
    this.#plugins = new PluginHost(this.metrics, this, this.log);
    this.#http = new HttpApi(this, {
      maxBodyBytes: this.config.http.maxBodyBytes,
      tokens: { api: this.config.auth.tokens, metrics: this.config.auth.metricsTokens, supervisor: this.config.auth.supervisorTokens, resolvers: this.#tokenResolvers },
    });
    this.#transportsStarted = this.#startTransports(transports);
    // RxJS throws errors nobody handles on a timer, which would end the process: count them instead.
    rxConfig.onUnhandledError ??= this.#rxErrorHandler;
  }

  /** True once `close()` has begun. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Where the HTTP API listens, once `listen()` resolved. */
  get address(): AddressInfo | undefined {
    return this.#address;
  }

  /** Runs `task` on the shared pacer once per tick until the returned function is called. */
  clock(task: (tickMs: number) => void): () => void {
    return this.#pacer.add(task);
  }

  /** A transport by name; throws PARLEY_ERR_CONFIG when the server was made without it. */
  transport<K extends keyof TransportMap>(name: K): TransportMap[K] {
    const transport = this.#transports.get(name);
    if (!transport) throw new ParleyError("PARLEY_ERR_CONFIG", `this server has no "${name}" transport`);
    return transport as TransportMap[K];
  }

  /** The plain RTP transport (for embedding code that opens RTP sessions without HTTP). */
  get rtp(): TransportMap["rtp"] {
    return this.transport("rtp");
  }

  /** The WebRTC (WHIP) transport (for embedding code that answers offers without HTTP). */
  get whip(): TransportMap["whip"] {
    return this.transport("whip");
  }

  /** The WebSocket media transport (CPaaS media streams, audio fork). */
  get webSocket(): TransportMap["webSocket"] {
    return this.transport("webSocket");
  }

  /** Registers a plugin; throws a coded error when its metadata, dependencies or options are wrong. */
  use<O>(plugin: Plugin<O>, options?: Partial<O>): this {
    this.#plugins.register(plugin, options);
    return this;
  }

  /** Adds an HTTP route: an access kind ("api" by default) or options with access, body limit and OpenAPI entry. */
  route(method: string, path: string, handler: RouteHandler, options?: Access | RouteOptions): void {
    this.#http.route(method, path, handler, typeof options === "string" || (options !== undefined && "roles" in options) ? { access: options } : options);
  }

  /** Adds who the bearer tokens a plugin issues belong to: asked for a token no configured list knows. */
  addTokenResolver(resolver: TokenResolver): void {
    this.#tokenResolvers.push(resolver);
  }

  /** Registered plugins and their versions. */
  plugins(): ReadonlyMap<string, string> {
    return this.#plugins.versions();
  }

  /** Resolves when every plugin's setup has finished (sessions open only then); rejects with the first setup error. */
  ready(): Promise<void> {
    return this.#plugins.ready();
  }

  /** Waits for the transports to start and the plugins' setup, then serves the HTTP API. */
  async listen(): Promise<AddressInfo> {
    // Both awaited at once: a failing plugin setup must have its handler before a transport's start yields.
    await Promise.all([this.#transportsStarted, this.#plugins.ready()]);
    this.#address = await this.#http.listen(this.config.http.port, this.config.http.host);
    this.#memoryReleaser = new MemoryReleaser({ intervalMs: this.config.memory.releaseIntervalSeconds * 1000, minGrowthBytes: MEMORY_RELEASE_GROWTH_BYTES }, this.metrics);
    return this.#address;
  }

  /** Graceful stop: refuse new sessions, end the current ones, flush, release ports and timers. */
  async close(): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    await Promise.all([...this.#sessions.values()].map((session) => session.hangup("server_shutdown")));
    await this.#transportsStarted.catch(() => {});
    await Promise.all([...this.#transports.values()].map((transport) => transport.close()));
    await this.#http.close();
    await this.#plugins.close();
    this.#pacer.stop();
    this.#events.complete();
    this.#newSessions.complete();
    this.metrics.close();
    this.#memoryReleaser?.stop();
    if (rxConfig.onUnhandledError === this.#rxErrorHandler) rxConfig.onUnhandledError = null;
  }

  sessions(): Session[] {
    return [...this.#sessions.values()];
  }

  session(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  /** Creates a session for a transport: registers it, starts its clock and its plugins. */
  openSession(spec: NewSession, createTransport: (session: CallSession) => SessionTransport): CallSession {
    // Refused, not queued: a call's audio must not flow before every plugin can hear it.
    const pending = this.#plugins.pending;
    if (pending.length > 0) throw new ParleyError("PARLEY_ERR_NOT_READY", pending.join(", "));
    const refused = this.#plugins.refusal();
    if (refused) {
      this.metrics.sessionsRefused.inc({ plugin: refused.plugin });
      throw new ParleyError("PARLEY_ERR_UNAVAILABLE", refused.reason);
    }
    const info: SessionInfo = {
      id: randomUUID(),
      transport: spec.transport,
      codec: spec.codec,
      sampleRate: spec.sampleRate,
      remote: spec.remote,
      local: spec.local,
      startedAt: Date.now(),
      metadata: spec.metadata ?? {},
    };
    const fanout = new AudioFanout(spec.sampleRate, spec.decodableRates);
    const session = new CallSession(info, fanout, this, spec.outputRate, spec.frameSamples);
    session.attach(createTransport(session));
    this.#sessions.set(info.id, session);
    this.#sessionTicks.set(info.id, this.#pacer.add((tick) => this.#tickSession(session, tick)));
    this.metrics.sessionsActive.inc({ transport: spec.transport, codec: spec.codec });
    this.metrics.sessionsTotal.inc({ transport: spec.transport, codec: spec.codec });
    this.#plugins.attach(session);
    session.emit({ type: "session.started", transport: spec.transport, codec: spec.codec, remote: spec.remote, source: "core" });
    this.#newSessions.next(session);
    return session;
  }

  publish(event: SessionEvent): void {
    this.metrics.events.inc({ type: event.type });
    this.#events.next(event);
  }

  ended(session: CallSession, info: CloseInfo): void {
    if (!this.#sessions.delete(session.id)) return;
    this.#sessionTicks.get(session.id)?.();
    this.#sessionTicks.delete(session.id);
    this.metrics.sessionsActive.dec({ transport: session.info.transport, codec: session.info.codec });
    this.metrics.sessionsEnded.inc({ transport: session.info.transport, reason: info.reason });
  }

  sourceError(session: CallSession, error: unknown): void {
    session.emit({ type: "plugin.error", plugin: "playback", message: error instanceof Error ? error.message : String(error), source: "core" });
  }

  failed(session: CallSession, error: unknown): void {
    this.metrics.unhandledErrors.inc();
    session.log.error({ err: error }, "session failed (contained)");
  }

  /** A session's clock tick: what fails in it ends that session, never the others or the process. */
  #tickSession(session: CallSession, tick: number): void {
    try {
      session.tick(tick);
    } catch (error) {
      void session.fail(error);
    }
  }

  #unhandled(error: unknown): void {
    this.metrics.unhandledErrors.inc();
    this.log.error({ err: error }, "unhandled error (contained)");
  }

  /** Starts each transport with a host that lends it only what transports need. */
  #startTransports(transports: readonly Transport[]): Promise<unknown> {
    const server = this;
    const started: (void | Promise<void>)[] = [];
    for (const transport of transports) {
      this.#transports.set(transport.name, transport);
      const host: TransportHost = {
        config: this.config,
        metrics: this.metrics,
        log: this.log.child({ transport: transport.name }),
        get shuttingDown() {
          return server.shuttingDown;
        },
        openSession: (spec, createTransport) => this.openSession(spec, createTransport),
        route: (method, path, handler, options) => this.#http.route(method, path, handler, options),
        upgrade: (path, name, handler, summary) => this.#http.upgrade(path, name, handler, summary),
      };
      started.push(transport.start(host));
    }
    const all = Promise.all(started);
    // Awaited by listen(); a server closed without listening must not leave the failure unhandled.
    all.catch(() => {});
    return all;
  }
}

/** Creates a server: `createServer(config).use(plugin).listen()`; `transports` and `logger` replace the defaults. */
export function createServer(config?: ParleyConfig & ServerParts): ParleyServer {
  return new ParleyServer(config);
}
