// The biometrics plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";

declare module "../../core/events.ts" {
  interface EventMap {
    /**
     * Whether the caller's voice matches the claimed identity: for one utterance
     * (`scope: "utterance"`) or over the call so far (`scope: "call"`). `score` is the mean
     * log-likelihood ratio of voiceprint over background model; `match` when it reaches `threshold`.
     */
    "biometrics": {
      scope: "utterance" | "call";
      claimedSpeaker: string;
      status: "ok" | "insufficient_speech" | "not_enrolled";
      reason?: string;
      verdict: "match" | "no_match" | "insufficient_speech" | "not_enrolled";
      score: number;
      threshold: number;
      startMs: number;
      endMs: number;
      /** Voiced speech behind the score, ms. */
      speechMs: number;
    };
    /** A voiceprint was enrolled (or extended) from this session's speech. */
    "biometrics.enrolled": { speakerId: string; speechMs: number; totalSpeechMs: number };
  }
}

const num = { type: "number" };
const str = { type: "string" };
registerEventSchema("biometrics", {
  properties: {
    scope: { type: "string", enum: ["utterance", "call"] },
    claimedSpeaker: str,
    status: { type: "string", enum: ["ok", "insufficient_speech", "not_enrolled"] },
    reason: str,
    verdict: { type: "string", enum: ["match", "no_match", "insufficient_speech", "not_enrolled"] },
    score: num,
    threshold: num,
    startMs: num,
    endMs: num,
    speechMs: num,
  },
  required: ["scope", "claimedSpeaker", "status", "verdict", "score", "threshold", "startMs", "endMs", "speechMs"],
});
registerEventSchema("biometrics.enrolled", { properties: { speakerId: str, speechMs: num, totalSpeechMs: num }, required: ["speakerId", "speechMs", "totalSpeechMs"] });
