// The VAD plugin's events, declared once: TypeBox schemas (registered for the serializers) whose
// types merge into Parley's EventMap and are the endpointer's events (Endpointer.ts).
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";

/** The VAD plugin's events (media times in ms). */
export const VAD_EVENTS = defineEvents({
  /** The caller started speaking. */
  "vad.speech_start": Type.Object({
    /** Media time of the first speech frame, ms. */
    startMs: Type.Number(),
    /** Media time at which the detector was sure (the end of the frame that decided), ms. */
    detectedMs: Type.Number(),
  }),
  /** A stretch of the caller's speech ended. */
  "vad.speech_end": Type.Object({
    startMs: Type.Number(),
    /** Media time of the end of the last speech frame, ms. */
    endMs: Type.Number(),
    /** endMs - startMs. */
    durationMs: Type.Number(),
  }),
  /** The caller finished their turn: speech, then `minSilenceMs` of silence. */
  "turn.end": Type.Object({
    /** Media time the turn's first speech began, ms. */
    startMs: Type.Number(),
    /** Media time its last speech ended, ms. */
    endMs: Type.Number(),
    /** endMs - startMs. */
    durationMs: Type.Number(),
    /** Speech within the turn (the sum of its segments), ms. */
    speechMs: Type.Number(),
    /** Silence after the last speech when the turn was declared over, ms. */
    silenceMs: Type.Number(),
    /** Speech segments in the turn. */
    segments: Type.Integer(),
    /** "silence": the caller stopped; "end_of_stream": the audio ended mid-turn. */
    reason: StringEnum(["silence", "end_of_stream"]),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof VAD_EVENTS> {}
}
