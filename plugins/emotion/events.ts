// The emotion plugin's events, declared once: TypeBox schemas (registered for the serializers)
// whose types merge into Parley's EventMap.
import { defineEvents, type EventTypes, type Static, StringEnum, Type } from "../../core/mod.ts";

const EmotionScores = Type.Object({ neutral: Type.Number(), happy: Type.Number(), sad: Type.Number(), angry: Type.Number() });

/** Probability of each class, summing to 1. */
export type EmotionScores = Static<typeof EmotionScores>;

/** The emotion plugin's events. */
export const EMOTION_EVENTS = defineEvents({
  /**
   * The caller's emotion: for one utterance (`scope: "utterance"`) or over the recent call
   * (`scope: "rolling"`). With `status: "insufficient_speech"` the label is "unknown", the
   * scores are even and `reason` says why (silence, tone, noise, clipped, too_short).
   */
  "emotion": Type.Object({
    scope: StringEnum(["utterance", "rolling"]),
    status: StringEnum(["ok", "insufficient_speech"]),
    reason: Type.Optional(Type.String()),
    // A plain string in the schema: the serializer need not check the label.
    label: Type.Unsafe<"neutral" | "happy" | "sad" | "angry" | "unknown">(Type.String()),
    scores: EmotionScores,
    /** -1 (calm, low energy) to 1 (agitated). */
    arousal: Type.Number(),
    /** -1 (negative) to 1 (positive); fused with the transcripts' sentiment when there are any. */
    valence: Type.Number(),
    /** Sentiment of the recent transcripts, -1 to 1, when the ASR plugin runs. */
    textSentiment: Type.Optional(Type.Number()),
    /** On scored utterances: true when scored against the caller's own baseline (option speakerBaselineUtterances). */
    speakerNormalised: Type.Optional(Type.Boolean()),
    startMs: Type.Number(),
    endMs: Type.Number(),
    /** Voiced speech behind the estimate, ms. */
    speechMs: Type.Number(),
  }),
  /** A class stayed above its threshold for the configured time: time to involve a supervisor. */
  "emotion.escalation": Type.Object({ label: Type.String(), score: Type.Number(), threshold: Type.Number(), sinceMs: Type.Number(), durationMs: Type.Number() }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof EMOTION_EVENTS> {}
}
