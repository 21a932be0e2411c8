import { Ajv } from "ajv";
import { isObservable, Observable, type Subscription } from "rxjs";
import semver from "semver";
import type { AudioFrame } from "../media/frame.ts";
import { ContainedObservable, HOST_OBSERVER, type HostObserver } from "./contained.ts";
import { ParleyError, registerErrorCode } from "./errors.ts";
import type { EventInput, SessionEvent } from "./events.ts";
import { FrameTimer } from "./frame-timing.ts";
import { type Logger, silentLogger } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { PerSession, Plugin, PluginContext, SessionWork, SessionWorkResult } from "./plugin.ts";
import type { AudioSource, Playback, PlayOptions } from "./Player.ts";
import type { CloseInfo, Session, SessionInfo } from "./Session.ts";

/** What the plugin host needs of the server (the server implements it); each plugin sees it through its PluginContext. */
export interface PluginServer extends Pick<PluginContext, "events$" | "sessions$" | "sessions" | "plugins" | "route" | "addTokenResolver" | "transport" | "clock"> {
  readonly metrics: Metrics;
}

interface Registered {
  plugin: Plugin<never>;
  options: Record<string, unknown>;
  log: Logger;
  perSession?: PerSession;
  setupDone: Promise<void>;
  closeHooks: (() => void | Promise<void>)[];
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Registers plugins with early checks (name, version, dependencies, options, error codes), runs
 * their setups one after another in registration order, and runs their per-session work,
 * containing what fails in it: a failing plugin is unsubscribed from that session with a
 * `plugin.error` event and a metric, and the call goes on.
 */
export class PluginHost {
  readonly #plugins = new Map<string, Registered>();
  readonly #log: Logger;
  /** The last setup in the chain, settled either way: the next one starts after it. */
  #lastSetup: Promise<void> = Promise.resolve();
  #pendingSetups = 0;
  /** Checks new sessions must pass, with the plugin that added each. */
  readonly #admission: { plugin: string; check: () => string | undefined }[] = [];

  /** @param log the server's logger; each plugin gets a child of it with `plugin` bound */
  constructor(readonly metrics: Metrics, readonly server: PluginServer, log: Logger = silentLogger) {
    this.#log = log;
  }

  /** Registers a plugin; throws a coded ParleyError when its metadata, dependencies, options or error codes are wrong. */
  register<O>(plugin: Plugin<O>, options?: Partial<O>): void {
    if (!plugin || typeof plugin !== "object" || typeof plugin.setup !== "function") {
      throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", "a plugin is an object with name, version and setup()");
    }
    if (typeof plugin.name !== "string" || !NAME.test(plugin.name)) {
      throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `name ${JSON.stringify(plugin.name)} must be lower case letters, digits, '.', '_' or '-'`);
    }
    if (typeof plugin.version !== "string" || semver.valid(plugin.version) === null) {
      throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `${plugin.name}: version ${JSON.stringify(plugin.version)} is not x.y.z`);
    }
    if (this.#plugins.has(plugin.name)) throw new ParleyError("PARLEY_ERR_PLUGIN_DUPLICATE", plugin.name);
    for (const [dependency, range] of Object.entries(plugin.dependencies ?? {})) {
      if (semver.validRange(range) === null) throw new ParleyError("PARLEY_ERR_PLUGIN_INVALID", `${plugin.name}: bad version range "${range}" for ${dependency}`);
      const registered = this.#plugins.get(dependency);
      if (!registered) throw new ParleyError("PARLEY_ERR_PLUGIN_DEPENDENCY", plugin.name, dependency);
      if (!semver.satisfies(registered.plugin.version, range)) {
        throw new ParleyError("PARLEY_ERR_PLUGIN_VERSION_MISMATCH", plugin.name, `${dependency}@${range}`, registered.plugin.version);
      }
    }
    const resolved = structuredClone(options ?? {}) as Record<string, unknown>;
    if (plugin.options) {
      const validate = ajv.compile(plugin.options);
      if (!validate(resolved)) throw new ParleyError("PARLEY_ERR_PLUGIN_OPTIONS", plugin.name, ajv.errorsText(validate.errors));
    }
    for (const [code, [status, template]] of Object.entries(plugin.errors ?? {})) registerErrorCode(code, template, status);
    const entry: Registered = { plugin: plugin as Plugin<never>, options: resolved, log: this.#log.child({ plugin: plugin.name }), setupDone: Promise.resolve(), closeHooks: [] };
    this.#plugins.set(plugin.name, entry);
    const context = this.#context(entry);
    this.#pendingSetups++;
    entry.setupDone = this.#lastSetup.then(() => plugin.setup(context, resolved as O)).then((perSession) => {
      entry.perSession = perSession ?? undefined;
    });
    const settled = () => void this.#pendingSetups--;
    this.#lastSetup = entry.setupDone.then(settled, (error) => {
      settled();
      entry.log.error({ err: error }, `setup failed: ${errorMessage(error)}`);
    });
  }

  /** Why a new session is refused now, and by which plugin; undefined when every check lets it open. */
  refusal(): { plugin: string; reason: string } | undefined {
    for (const { plugin, check } of this.#admission) {
      const reason = check();
      if (reason !== undefined) return { plugin, reason };
    }
    return undefined;
  }

  /** Names of the plugins whose setup has not finished yet (sessions must wait for them). */
  get pending(): string[] {
    return this.#pendingSetups === 0 ? [] : [...this.#plugins.keys()].slice(-this.#pendingSetups);
  }

  /** Resolves when every plugin's setup has finished; rejects with the first setup error. */
  async ready(): Promise<void> {
    await Promise.all([...this.#plugins.values()].map((entry) => entry.setupDone));
  }

  /** Runs every close hook, the last registered first (dependents before what they depend on); a hook that fails is logged. */
  async close(): Promise<void> {
    for (const entry of [...this.#plugins.values()].reverse()) {
      await entry.setupDone.catch(() => {});
      for (const hook of entry.closeHooks.splice(0).reverse()) {
        try {
          await hook();
        } catch (error) {
          entry.log.warn({ err: error }, `failed to close: ${errorMessage(error)}`);
        }
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

  /** What one plugin's setup is given. */
  #context(entry: Registered): PluginContext {
    const server = this.server;
    return {
      name: entry.plugin.name,
      log: entry.log,
      metrics: this.metrics,
      errors: { register: registerErrorCode },
      events$: server.events$,
      sessions$: server.sessions$,
      sessions: () => server.sessions(),
      plugins: () => server.plugins(),
      route: (method, path, handler, access) => server.route(method, path, handler, access),
      addTokenResolver: (resolver) => server.addTokenResolver(resolver),
      transport: (name) => server.transport(name),
      clock: (task) => server.clock(task),
      onClose: (hook) => void entry.closeHooks.push(hook),
      refuseSessionsWhen: (check) => void this.#admission.push({ plugin: entry.plugin.name, check }),
    };
  }

  #run(name: string, perSession: PerSession, session: Session): void {
    const fail = (error: unknown) => {
      if (view.ended) return;
      this.metrics.pluginErrors.inc({ plugin: name });
      view.detach();
      session.emit({ type: "plugin.error", plugin: name, message: errorMessage(error), source: "core" });
    };
    const view = new PluginSessionView(session, name, this.metrics, fail);
    /** Takes what the per-session function gave, in whichever shape. */
    const take = (work: SessionWorkResult) => {
      if (isObservable(work)) {
        const host: HostObserver<EventInput | void> = {
          [HOST_OBSERVER]: true,
          next: (event) => {
            if (event && typeof event === "object") view.emit(event);
          },
          error: fail,
        };
        view.track(work.subscribe(host));
      } else if (typeof work === "function") view.onDetach(work);
      else if (work && typeof (work as Subscription).unsubscribe === "function") view.track(work as Subscription);
    };
    try {
      const work: SessionWork = perSession(view);
      if (work instanceof Promise) work.then(take, fail);
      else take(work);
    } catch (error) {
      fail(error);
    }
  }
}

/** `source`, with each value's delivery timed by `timer`, and what its subscribers fail at contained by `fail`. */
function timedBy<T>(timer: FrameTimer, fail: (error: unknown) => void, source: Observable<T>): Observable<T> {
  return new ContainedObservable<T>(fail, (subscriber) => {
    const host: HostObserver<T> = {
      [HOST_OBSERVER]: true,
      next: (value) => timer.deliver(subscriber, value),
      error: (error) => subscriber.error(error),
      complete: () => subscriber.complete(),
    };
    return source.subscribe(host);
  });
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
  readonly #fail: (error: unknown) => void;
  /** Who is charged for what is subscribed now: the plugin, or a shared stream while it is being built. */
  #timer: FrameTimer;
  #ended = false;

  constructor(session: Session, readonly plugin: string, metrics: Metrics, fail: (error: unknown) => void) {
    this.#session = session;
    this.#metrics = metrics;
    this.#fail = fail;
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
  get log(): Logger {
    return this.#session.log;
  }
  get closed(): Promise<CloseInfo> {
    return this.#session.closed;
  }

  get ending(): Promise<string> {
    return this.#session.ending;
  }
  get events$(): Observable<SessionEvent> {
    return timedBy(this.#timer, this.#fail, this.#session.events$);
  }
  get audio$(): Observable<AudioFrame> {
    return this.audio(this.#session.info.sampleRate);
  }
  audio(sampleRate: number): Observable<AudioFrame> {
    return timedBy(this.#timer, this.#fail, this.#session.audio(sampleRate));
  }
  get outputRate(): number {
    return this.#session.outputRate;
  }
  sent(sampleRate: number): Observable<AudioFrame> {
    return timedBy(this.#timer, this.#fail, this.#session.sent(sampleRate));
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
    return timedBy(this.#timer, this.#fail, stream);
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

  /** True once the plugin's work on this session has ended. */
  get ended(): boolean {
    return this.#ended;
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
