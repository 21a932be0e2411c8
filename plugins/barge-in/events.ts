// The barge-in plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";

/** Why speech over a playback did not cut it off. */
export type BargeInIgnoredReason = "short" | "backchannel";

declare module "../../core/events.ts" {
  interface EventMap {
    /** The caller talked over a playback and it was cut off. */
    "barge-in": {
      playbackId: string;
      /** The playback's label, or the text the tts plugin was speaking. */
      label?: string;
      /** Audio of it the caller had heard, ms. */
      playedMs: number;
      /** What the caller heard of a spoken text (when the tts plugin marks words). */
      spokenText?: string;
      /** Wall-clock ms from the onset of the caller's speech to the playback's audio stopping. */
      reactionMs: number;
      /** Media time of the onset of the caller's speech, ms. */
      speechStartMs: number;
      /** Wall-clock ms the playback was held (silent) before the guard decided it was a real barge-in. */
      heldMs: number;
      /** What the recogniser had heard of the caller's speech by then, if anything. */
      callerText?: string;
    };
    /** Speech over a playback that the guard let pass (a cough, an "uh-huh"); the playback went on where it was held. */
    "barge-in.ignored": { playbackId: string; reason: BargeInIgnoredReason; heldMs: number; callerText?: string };
  }
}

const str = { type: "string" };
const num = { type: "number" };
registerEventSchema("barge-in", {
  properties: { playbackId: str, label: str, playedMs: num, spokenText: str, reactionMs: num, speechStartMs: num, heldMs: num, callerText: str },
  required: ["playbackId", "playedMs", "reactionMs", "speechStartMs", "heldMs"],
});
registerEventSchema("barge-in.ignored", {
  properties: { playbackId: str, reason: { type: "string", enum: ["short", "backchannel"] }, heldMs: num, callerText: str },
  required: ["playbackId", "reason", "heldMs"],
});
