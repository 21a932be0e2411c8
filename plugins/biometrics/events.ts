// The biometrics plugin's events, declared once: TypeBox schemas (registered for the serializers)
// whose types merge into Parley's EventMap.
import { defineEvents, type EventTypes, StringEnum, Type } from "../../core/mod.ts";

/** The biometrics plugin's events. */
export const BIOMETRICS_EVENTS = defineEvents({
  /**
   * Whether the caller's voice matches the claimed identity: for one utterance
   * (`scope: "utterance"`) or over the call so far (`scope: "call"`). `score` is the mean
   * log-likelihood ratio of voiceprint over background model; `match` when it reaches `threshold`.
   */
  "biometrics": Type.Object({
    scope: StringEnum(["utterance", "call"]),
    claimedSpeaker: Type.String(),
    status: StringEnum(["ok", "insufficient_speech", "not_enrolled"]),
    reason: Type.Optional(Type.String()),
    verdict: StringEnum(["match", "no_match", "insufficient_speech", "not_enrolled"]),
    score: Type.Number(),
    threshold: Type.Number(),
    startMs: Type.Number(),
    endMs: Type.Number(),
    /** Voiced speech behind the score, ms. */
    speechMs: Type.Number(),
  }),
  /** A voiceprint was enrolled (or extended) from this session's speech. */
  "biometrics.enrolled": Type.Object({ speakerId: Type.String(), speechMs: Type.Number(), totalSpeechMs: Type.Number() }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof BIOMETRICS_EVENTS> {}
}
