// The emotion plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";

/** Probability of each class, summing to 1. */
export interface EmotionScores {
  neutral: number;
  happy: number;
  sad: number;
  angry: number;
}

declare module "../../core/events.ts" {
  interface EventMap {
    /**
     * The caller's emotion: for one utterance (`scope: "utterance"`) or over the recent call
     * (`scope: "rolling"`). With `status: "insufficient_speech"` the label is "unknown", the
     * scores are even and `reason` says why (silence, tone, noise, clipped, too_short).
     */
    "emotion": {
      scope: "utterance" | "rolling";
      status: "ok" | "insufficient_speech";
      reason?: string;
      label: "neutral" | "happy" | "sad" | "angry" | "unknown";
      scores: EmotionScores;
      /** -1 (calm, low energy) to 1 (agitated). */
      arousal: number;
      /** -1 (negative) to 1 (positive); fused with the transcripts' sentiment when there are any. */
      valence: number;
      /** Sentiment of the recent transcripts, -1 to 1, when the ASR plugin runs. */
      textSentiment?: number;
      /** On scored utterances: true when scored against the caller's own baseline (option speakerBaselineUtterances). */
      speakerNormalised?: boolean;
      startMs: number;
      endMs: number;
      /** Voiced speech behind the estimate, ms. */
      speechMs: number;
    };
    /** A class stayed above its threshold for the configured time: time to involve a supervisor. */
    "emotion.escalation": { label: string; score: number; threshold: number; sinceMs: number; durationMs: number };
  }
}

const num = { type: "number" };
registerEventSchema("emotion", {
  properties: {
    scope: { type: "string", enum: ["utterance", "rolling"] },
    status: { type: "string", enum: ["ok", "insufficient_speech"] },
    reason: { type: "string" },
    label: { type: "string" },
    scores: { type: "object", properties: { neutral: num, happy: num, sad: num, angry: num }, required: ["neutral", "happy", "sad", "angry"] },
    arousal: num,
    valence: num,
    textSentiment: num,
    speakerNormalised: { type: "boolean" },
    startMs: num,
    endMs: num,
    speechMs: num,
  },
  required: ["scope", "status", "label", "scores", "arousal", "valence", "startMs", "endMs", "speechMs"],
});
registerEventSchema("emotion.escalation", {
  properties: { label: { type: "string" }, score: num, threshold: num, sinceMs: num, durationMs: num },
  required: ["label", "score", "threshold", "sinceMs", "durationMs"],
});
