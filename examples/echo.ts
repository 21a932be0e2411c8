import { delay } from "rxjs";
import { definePlugin } from "../core/mod.ts";

/**
 * Plays the caller back to themselves one second later: the smallest plugin that proves audio
 * flows in and out of a session.
 */
export const echo = definePlugin<{ delayMs: number }>({
  name: "echo",
  version: "1.0.0",
  options: {
    type: "object",
    properties: { delayMs: { type: "integer", minimum: 0, maximum: 10000, default: 1000 } },
    additionalProperties: false,
  },
  setup(_server, options) {
    return (session) => {
      const playback = session.play(session.audio$.pipe(delay(options.delayMs)));
      return () => playback.cancel();
    };
  },
});
