// The deepfake plugin's event, declared once: a TypeBox schema (registered for the serializer)
// whose type merges into Parley's EventMap.
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";

/** The deepfake plugin's event. */
export const DEEPFAKE_EVENTS = defineEvents({
  /**
   * Whether the caller's voice is synthetic: for one utterance (`scope: "utterance"`) or over
   * the call so far (`scope: "rolling"`, the speech-weighted mean LLR of its utterances). `llr` is
   * the log-likelihood ratio synthetic over bona fide: "synthetic" from `threshold` (the
   * configured false-alarm rate on real callers), "uncertain" from `uncertainThreshold`,
   * "bonafide" below. Only the rolling score, with enough speech behind it, says "synthetic": one
   * utterance alone is at most "uncertain". `reliable` is false for the telephone-band model,
   * whose scores are weak evidence.
   */
  "deepfake": Type.Object({
    scope: StringEnum(["utterance", "rolling"]),
    status: StringEnum(["ok", "insufficient_speech"]),
    reason: Type.Optional(Type.String()),
    verdict: StringEnum(["bonafide", "uncertain", "synthetic", "insufficient_speech"]),
    /** Probability that the voice is synthetic, 0 to 1 (even prior). */
    score: Type.Number(),
    llr: Type.Number(),
    threshold: Type.Number(),
    uncertainThreshold: Type.Number(),
    model: StringEnum(["wideband", "telephone"]),
    reliable: Type.Boolean(),
    startMs: Type.Number(),
    endMs: Type.Number(),
    /** Voiced speech behind the score, ms. */
    speechMs: Type.Number(),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof DEEPFAKE_EVENTS> {}
}
