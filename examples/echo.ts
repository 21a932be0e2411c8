import { delay } from "rxjs";
import { definePlugin, Type } from "../core/mod.ts";

/**
 * Plays the caller back to themselves one second later: the smallest plugin that proves audio
 * flows in and out of a session.
 */
export const echo = definePlugin({
  name: "echo",
  version: "1.0.0",
  options: Type.Object({
    /** How late the caller hears themselves, ms. */
    delayMs: Type.Integer({ minimum: 0, maximum: 10000, default: 1000 }),
  }, { additionalProperties: false }),
  setup(_context, options) {
    return (session) => {
      const playback = session.play(session.audio$.pipe(delay(options.delayMs)));
      return () => playback.cancel();
    };
  },
});
