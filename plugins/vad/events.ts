// The VAD plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";
import type { SpeechEndEvent, SpeechStartEvent, TurnEndEvent } from "./Endpointer.ts";

declare module "../../core/events.ts" {
  interface EventMap {
    /** The caller started speaking (media times in ms). */
    "vad.speech_start": Omit<SpeechStartEvent, "type">;
    /** A stretch of the caller's speech ended. */
    "vad.speech_end": Omit<SpeechEndEvent, "type">;
    /** The caller finished their turn: speech, then `minSilenceMs` of silence. */
    "turn.end": Omit<TurnEndEvent, "type">;
  }
}

const ms = { type: "number" };
registerEventSchema("vad.speech_start", { properties: { startMs: ms, detectedMs: ms }, required: ["startMs", "detectedMs"] });
registerEventSchema("vad.speech_end", { properties: { startMs: ms, endMs: ms, durationMs: ms }, required: ["startMs", "endMs", "durationMs"] });
registerEventSchema("turn.end", {
  properties: {
    startMs: ms,
    endMs: ms,
    durationMs: ms,
    speechMs: ms,
    silenceMs: ms,
    segments: { type: "integer" },
    reason: { type: "string", enum: ["silence", "end_of_stream"] },
  },
  required: ["startMs", "endMs", "durationMs", "speechMs", "silenceMs", "segments", "reason"],
});
