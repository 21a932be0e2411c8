import { Ajv } from "ajv";
import { isObservable, Observable, type Subscription } from "rxjs";
import type { AudioFrame } from "../media/frame.ts";
import { ParleyError } from "./errors.ts";
import type { Access } from "./http/auth.ts";
import type { RouteHandler } from "./http/HttpApi.ts";
import type { EventInput, SessionEvent } from "./events.ts";
import { FrameTimer } from "./frame-timing.ts";
import type { Metrics } from "./metrics.ts";
import type { Plugin, SessionWork } from "./plugin.ts";
import type { AudioSource, Playback, PlayOptions } from "./Player.ts";
import { isValidRange, satisfies } from "./semver.ts";
import type { CloseInfo, Session, SessionInfo } from "./Session.ts";

/** What a plugin's setup sees of the server. */
export interface PluginServer {
  readonly metrics: Metrics;
  /** Every event of every session. */
  readonly events$: Observable<SessionEvent>;
  /** Each new session, as it starts. */
  readonly sessions$: Observable<Session>;
  /** Sessions in progress. */
  sessions(): Session[];
  /** Registered plugins, by name, with their versions. */
  plugins(): ReadonlyMap<string, string>;
  /** Adds an HTTP route to the server's API (access "api" needs a token when tokens are configured). */
  route(method: string, path: string, handler: RouteHandler, access?: Access): void;
}

interface Registered {
  plugin: Plugin<never>;
  options: Record<string, unknown>;
  perSession?: (session: Session) => SessionWork;
  setupDone?: Promise<void>;
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Registers plugins with early checks (name, version, dependencies, options) and runs their
 * per-session work, containing what they throw: a failing plugin is unsubscribed from that session
 * with a `plugin.error` event and a metric, and the call goes on.
 */
export class PluginHost {
  readonly #plugins = new Map<string, Registered>();

  constructor(readonly metrics: Metrics, readonly server: PluginServer) {}

  /** Registers a plugin; throws a coded ParleyError when its metadata, dependencies or options are wrong. */
  register<O>(plugin: Plugin<O>, options?: Partial<O>): void {
    if (!plugin || typeof plugin !== "object" || typeof plugin.setup !== "function") {
      throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", "a plugin is an object with name, version and setup()");
    }
    if (typeof plugin.name !== "string" || !NAME.test(plugin.name)) {
      throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `name ${JSON.stringify(plugin.name)} must be lower case letters, digits, '.', '_' or '-'`);
    }
    if (typeof plugin.version !== "string" || !satisfies(plugin.version, "*")) {
      throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `${plugin.name}: version ${JSON.stringify(plugin.version)} is not x.y.z`);
    }
    if (this.#plugins.has(plugin.name)) throw new ParleyError("PARLEY_ERR_PLUGIN_DUPLICATE", plugin.name);
    for (const [dependency, range] of Object.entries(plugin.dependencies ?? {})) {
      if (!isValidRange(range)) throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `${plugin.name}: bad version range "${range}" for ${dependency}`);
      const registered = this.#plugins.get(dependency);
      if (!registered) throw new ParleyError("PARLEY_ERR_PLUGIN_DEPENDENCY", plugin.name, dependency);
      if (!satisfies(registered.plugin.version, range)) {
        throw new ParleyError("PARLEY_ERR_PLUGIN_VERSION_MISMATCH", plugin.name, `${dependency}@${range}`, registered.plugin.version);
      }
    }
    const resolved = structuredClone(options ?? {}) as Record<string, unknown>;
    if (plugin.options) {
      const validate = ajv.compile(plugin.options);
      if (!validate(resolved)) throw new ParleyError("PARLEY_ERR_PLUGIN_OPTIONS", plugin.name, ajv.errorsText(validate.errors));
    }
    const entry: Registered = { plugin: plugin as Plugin<never>, options: resolved };
    this.#plugins.set(plugin.name, entry);
    entry.setupDone = Promise.resolve(plugin.setup(this.server, resolved as O)).then((perSession) => {
      entry.perSession = perSession ?? undefined;
    });
  }

  /** Resolves when every plugin's setup has finished; rejects with the first setup error. */
  async ready(): Promise<void> {
    await Promise.all([...this.#plugins.values()].map((entry) => entry.setupDone));
  }

  /** Runs every plugin's close hook, the last registered first (dependents before what they depend on); a hook that fails is logged. */
  async close(): Promise<void> {
    for (const [name, entry] of [...this.#plugins].reverse()) {
      await entry.setupDone?.catch(() => {});
      try {
        await entry.plugin.close?.(this.server);
      } catch (error) {
        console.warn(`parley: plugin ${name} failed to close: ${errorMessage(error)}`);
      }
    }
  }

  /** Name to version of every registered plugin. */
  versions(): ReadonlyMap<string, string> {
    return new Map([...this.#plugins].map(([name, entry]) => [name, entry.plugin.version]));
  }

  /** Starts every plugin's work on a new session. */
  attach(session: Session): void {
    for (const [name, entry] of this.#plugins) {
      if (entry.perSession) this.#run(name, entry.perSession, session);
    }
  }

  #run(name: string, perSession: (session: Session) => SessionWork, session: Session): void {
    const view = new PluginSessionView(session, name, this.metrics);
    const fail = (error: unknown) => {
      this.metrics.pluginErrors.inc({ plugin: name });
      view.detach();
      session.emit({ type: "plugin.error", plugin: name, message: errorMessage(error), source: "core" });
    };
    try {
      const work = perSession(view);
      if (isObservable(work)) {
        view.track(work.subscribe({
          next: (event) => {
            if (event && typeof event === "object") view.emit(event);
          },
          error: fail,
        }));
      } else if (typeof work === "function") view.onDetach(work);
      else if (work && typeof (work as Subscription).unsubscribe === "function") view.track(work as Subscription);
    } catch (error) {
      fail(error);
    }
  }
}

/** `source`, with each value's delivery timed by `timer`. */
function timedBy<T>(timer: FrameTimer, source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) =>
    source.subscribe({
      next: (value) => timer.deliver(subscriber, value),
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    })
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A session as one plugin sees it: the plugin's name as the source of its events, its time per
 * frame measured (see frame-timing.ts), and everything it subscribed through the view torn down
 * when it fails or the session ends.
 */
class PluginSessionView implements Session {
  readonly #session: Session;
  readonly #teardowns: (() => void)[] = [];
  readonly #metrics: Metrics;
  /** Who is charged for what is subscribed now: the plugin, or a shared stream while it is being built. */
  #timer: FrameTimer;
  #ended = false;

  constructor(session: Session, readonly plugin: string, metrics: Metrics) {
    this.#session = session;
    this.#metrics = metrics;
    this.#timer = this.#timerOf(plugin);
    session.closed.then(() => this.detach());
  }

  get id(): string {
    return this.#session.id;
  }
  get info(): SessionInfo {
    return this.#session.info;
  }
  get appData(): Record<string, unknown> {
    return this.#session.appData;
  }
  get closed(): Promise<CloseInfo> {
    return this.#session.closed;
  }
  get events$(): Observable<SessionEvent> {
    return timedBy(this.#timer, this.#session.events$);
  }
  get audio$(): Observable<AudioFrame> {
    return this.audio(this.#session.info.sampleRate);
  }
  audio(sampleRate: number): Observable<AudioFrame> {
    return timedBy(this.#timer, this.#session.audio(sampleRate));
  }

  /** A shared stream's own work is charged to its key (e.g. `dsp.features`), not to the plugin that happened to ask first. */
  shared<T>(key: string, create: () => Observable<T>): Observable<T> {
    const stream = this.#session.shared(key, () => {
      const plugin = this.#timer;
      this.#timer = this.#timerOf(key);
      try {
        return create();
      } finally {
        this.#timer = plugin;
      }
    });
    return timedBy(this.#timer, stream);
  }
  finishing(work: Promise<unknown>): void {
    this.#session.finishing(work);
  }
  emit(event: EventInput): void {
    if (!this.#ended) this.#session.emit({ ...event, source: event.source ?? this.plugin });
  }
  play(source: AudioSource, options?: PlayOptions): Playback {
    return this.#session.play(source, options);
  }
  stopPlayback(): number {
    return this.#session.stopPlayback();
  }
  get nowPlaying(): Playback | undefined {
    return this.#session.nowPlaying;
  }
  sendDtmf(digit: string, durationMs?: number): void {
    this.#session.sendDtmf(digit, durationMs);
  }
  hangup(reason?: string): Promise<void> {
    return this.#session.hangup(reason);
  }

  #timerOf(name: string): FrameTimer {
    const histogram = this.#metrics.pluginFrameSeconds.labels(name);
    return new FrameTimer((seconds) => histogram.observe(seconds));
  }

  /** Keeps a subscription to end with the plugin's work on this session. */
  track(subscription: Subscription): void {
    this.onDetach(() => subscription.unsubscribe());
  }

  /** Runs `teardown` when the plugin is detached (at once if it already is). */
  onDetach(teardown: () => void): void {
    if (this.#ended) teardown();
    else this.#teardowns.push(teardown);
  }

  /** Ends the plugin's work on this session. */
  detach(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const teardown of this.#teardowns.splice(0)) {
      try {
        teardown();
      } catch {
        // A teardown that throws must not stop the others.
      }
    }
  }
}
