// A complete plugin in one file, using everything the setup context offers: options and an event
// declared once with TypeBox, a metric, an error code, an HTTP route, a logger and a close hook.
// It reports dead air: the caller silent for `silenceMs` (a dropped line, a caller who walked away).
// Outside this repository, import from "parley" instead of "../core/mod.ts".
import { filter, map } from "rxjs";
import { defineEvents, definePlugin, type EventTypes, Type } from "../core/mod.ts";

/** The plugin's event: its schema (registered for the serializer) and, below, its type. */
export const DEAD_AIR_EVENTS = defineEvents({
  /** The caller has been silent this long (emitted once per silence). */
  "dead_air": Type.Object({ silentMs: Type.Number(), sinceMs: Type.Number() }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof DEAD_AIR_EVENTS> {}
}

/** Mean absolute amplitude of a frame. */
function level(samples: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += Math.abs(samples[i]!);
  return samples.length ? sum / samples.length : 0;
}

/** The `dead-air` plugin: `server.use(deadAir, { silenceMs: 8000 })`; `GET /v1/dead-air/:sessionId` counts a call's silences. */
export const deadAir = definePlugin({
  name: "dead-air",
  version: "1.0.0",
  options: Type.Object({
    /** Silence this long is dead air, ms. */
    silenceMs: Type.Integer({ minimum: 1000, maximum: 600000, default: 10000 }),
    /** Frames quieter than this mean absolute amplitude are silent. */
    threshold: Type.Number({ minimum: 0, maximum: 32767, default: 200 }),
  }, { additionalProperties: false }),
  setup(context, options) {
    const total = context.metrics.counter("parley_dead_air_total", "Silences of the caller past the dead-air limit", []);
    const unknownSession = context.errors.register("PARLEY_ERR_DEAD_AIR_UNKNOWN_SESSION", "No dead-air count for session %s", 404);
    const counts = new Map<string, number>();
    context.route("GET", "/v1/dead-air/:sessionId", (_request, params) => {
      const count = counts.get(params.sessionId!);
      if (count === undefined) throw unknownSession(params.sessionId!);
      return Response.json({ sessionId: params.sessionId, deadAir: count });
    }, { doc: { summary: "Dead-air silences of one session so far" } });
    context.onClose(() => counts.clear());
    context.log.info(`dead air after ${options.silenceMs} ms`);

    // The per-session work: an Observable of events, which the host emits, times and contains.
    return (session) => {
      counts.set(session.id, 0);
      void session.closed.then(() => counts.delete(session.id));
      let silentSince = 0;
      let reported = false;
      return session.audio(16000).pipe(
        map((frame) => {
          if (level(frame.samples) >= options.threshold) {
            silentSince = frame.timestamp + 20;
            reported = false;
            return undefined;
          }
          const silentMs = frame.timestamp + 20 - silentSince;
          if (reported || silentMs < options.silenceMs) return undefined;
          reported = true;
          total.inc();
          counts.set(session.id, (counts.get(session.id) ?? 0) + 1);
          return { type: "dead_air" as const, silentMs, sinceMs: silentSince };
        }),
        filter((event) => event !== undefined),
      );
    };
  },
});
