import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { config as rxConfig, Observable, Subject } from "rxjs";
import { AudioFanout } from "./AudioFanout.ts";
import { type ParleyConfig, type ResolvedConfig, resolveConfig } from "./config.ts";
import type { SessionEvent } from "./events.ts";
import type { Access } from "./http/auth.ts";
import { HttpApi, type RouteHandler } from "./http/HttpApi.ts";
import { Metrics } from "./metrics.ts";
import { Pacer } from "./Pacer.ts";
import type { Plugin } from "./plugin.ts";
import { PluginHost, type PluginServer } from "./PluginHost.ts";
import { RtpTransport } from "./rtp/RtpTransport.ts";
import { WhipTransport } from "./webrtc/WhipTransport.ts";
import { WebSocketTransport } from "./websocket/WebSocketTransport.ts";
import { CallSession, type CloseInfo, type Session, type SessionHost, type SessionInfo, type SessionTransport } from "./Session.ts";

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

/**
 * A Parley server: plugins, sessions from every transport, the HTTP API and metrics. Create it
 * with `createServer(config)`, add plugins with `use`, then `listen`.
 */
export class ParleyServer implements PluginServer, SessionHost {
  readonly config: ResolvedConfig;
  readonly metrics = new Metrics();
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
  readonly #rtp: RtpTransport;
  readonly #whip: WhipTransport;
  readonly #webSocket: WebSocketTransport;
  readonly #sessionTicks = new Map<string, () => void>();
  readonly #rxErrorHandler = (error: unknown) => this.#unhandled(error);
  #address?: AddressInfo;
  #shuttingDown = false;

  constructor(config: ParleyConfig = {}) {
    this.config = resolveConfig(config);
    this.events$ = this.#events.asObservable();
    this.sessions$ = this.#newSessions.asObservable();
    this.#pacer = new Pacer((error) => this.#unhandled(error));
    this.#plugins = new PluginHost(this.metrics, this);
    this.#http = new HttpApi(this, {
      maxBodyBytes: this.config.http.maxBodyBytes,
      maxWebSocketMessageBytes: this.config.websocket.maxMessageBytes,
      tokens: { api: this.config.auth.tokens, metrics: this.config.auth.metricsTokens },
    });
    this.#rtp = new RtpTransport(this, this.#http);
    this.#whip = new WhipTransport(this, this.#http);
    this.#webSocket = new WebSocketTransport(this, this.#http);
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

  /** The plain RTP transport (for embedding code that opens RTP sessions without HTTP). */
  get rtp(): RtpTransport {
    return this.#rtp;
  }

  /** The WebRTC (WHIP) transport (for embedding code that answers offers without HTTP). */
  get whip(): WhipTransport {
    return this.#whip;
  }

  /** The WebSocket media transport (CPaaS media streams, audio fork). */
  get webSocket(): WebSocketTransport {
    return this.#webSocket;
  }

  /** Registers a plugin; throws a coded error when its metadata, dependencies or options are wrong. */
  use<O>(plugin: Plugin<O>, options?: Partial<O>): this {
    this.#plugins.register(plugin, options);
    return this;
  }

  route(method: string, path: string, handler: RouteHandler, access?: Access): void {
    this.#http.route(method, path, `${method} ${path}`, handler, access);
  }

  /** Registered plugins and their versions. */
  plugins(): ReadonlyMap<string, string> {
    return this.#plugins.versions();
  }

  /** Waits for plugin setup, then serves the HTTP API. */
  async listen(): Promise<AddressInfo> {
    await this.#plugins.ready();
    this.#address = await this.#http.listen(this.config.http.port, this.config.http.host);
    return this.#address;
  }

  /** Graceful stop: refuse new sessions, end the current ones, flush, release ports and timers. */
  async close(): Promise<void> {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    await Promise.all([...this.#sessions.values()].map((session) => session.hangup("server_shutdown")));
    await this.#http.close();
    await this.#plugins.close();
    this.#pacer.stop();
    this.#events.complete();
    this.#newSessions.complete();
    this.metrics.close();
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
    session.emit({ type: "session.started", transport: spec.transport, codec: spec.codec, remote: spec.remote, source: "core" });
    this.#plugins.attach(session);
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
    console.error(`parley: session ${session.id} failed (contained):`, error);
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
    console.error("parley: unhandled error (contained):", error);
  }
}

/** Creates a server: `createServer(config).use(plugin).listen()`. */
export function createServer(config?: ParleyConfig): ParleyServer {
  return new ParleyServer(config);
}
