import type { Observable, Subscription } from "rxjs";
import type { EventInput } from "./events.ts";
import type { Session } from "./Session.ts";
import type { PluginServer } from "./PluginHost.ts";

/** A JSON Schema object (validated with ajv at registration). */
export type JsonSchema = Record<string, unknown>;

/**
 * The work a plugin does for one session. Returning an Observable is best: the host subscribes,
 * emits every event it yields, times it, and contains its errors. A Subscription or teardown
 * function is accepted for work the plugin subscribes itself.
 */
export type SessionWork = Observable<EventInput | void> | Subscription | (() => void) | void;

/** A plugin: one function with metadata checked at registration (fastify style). */
export interface Plugin<Options = Record<string, unknown>> {
  /** Unique name; also the `source` of the events it emits and the `plugin` label of its metrics. */
  readonly name: string;
  /** Its own version, x.y.z. */
  readonly version: string;
  /** Plugins it needs registered first: name to version range ("^1.0.0"). */
  readonly dependencies?: Readonly<Record<string, string>>;
  /** JSON Schema of its options; defaults in the schema are applied. */
  readonly options?: JsonSchema;
  /** Runs once at registration; returns the per-session work, if any. */
  setup(server: PluginServer, options: Options): ((session: Session) => SessionWork) | void | Promise<((session: Session) => SessionWork) | void>;
  /**
   * Runs once when `server` closes, after its sessions have ended: release what setup acquired for
   * it (worker pools, engines). Called even when setup failed; errors are reported, not thrown.
   */
  close?(server: PluginServer): Promise<void> | void;
}

/** Declares a plugin (an identity function that gives the definition its types). */
export function definePlugin<Options = Record<string, unknown>>(plugin: Plugin<Options>): Plugin<Options> {
  return plugin;
}
