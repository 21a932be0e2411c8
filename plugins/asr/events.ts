// The ASR plugin's events, declared once: TypeBox schemas (registered for the serializers) whose
// types merge into Parley's EventMap.
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";
import type { AsrErrorReason } from "./AsrEngine.ts";
import { AsrSearchSchema, AsrWordSchema } from "./search.ts";

/** How an utterance's end was decided. */
export type UtteranceEnd = "turn_end" | "max_duration";

/** The ASR plugin's events. */
export const ASR_EVENTS = defineEvents({
  /** What the caller is saying, so far (changes as audio comes). */
  "transcript.partial": Type.Object({ utteranceId: Type.String(), text: Type.String(), startMs: Type.Number() }),
  /** What the caller said in one turn (or one `maxUtteranceMs` piece of a long turn). Media times in ms. */
  "transcript": Type.Object({
    utteranceId: Type.String(),
    text: Type.String(),
    confidence: Type.Number(),
    words: Type.Array(AsrWordSchema),
    startMs: Type.Number(),
    endMs: Type.Number(),
    /** From the end of the caller's turn (`turn.end`) to this result, ms of wall-clock time. */
    latencyMs: Type.Number(),
    engine: Type.String(),
    search: StringEnum(["dictation", "keywords", "grammar"]),
    endpoint: StringEnum(["turn_end", "max_duration"] as const satisfies readonly UtteranceEnd[]),
  }),
  /** Recognition failed for an utterance (or could not start); the call goes on and the next turn is tried again. */
  "asr.error": Type.Object({
    engine: Type.String(),
    reason: Type.Unsafe<AsrErrorReason>(Type.String()),
    message: Type.String(),
    utteranceId: Type.Optional(Type.String()),
  }),
  /** Asks the ASR plugin to listen for something else from the next utterance on (see `listenFor`). */
  "asr.search": Type.Object({ search: AsrSearchSchema }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof ASR_EVENTS> {}
}
