// The deepfake plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";

declare module "../../core/events.ts" {
  interface EventMap {
    /**
     * Whether the caller's voice is synthetic: for one utterance (`scope: "utterance"`) or over
     * the recent call (`scope: "rolling"`). `llr` is the log-likelihood ratio synthetic over bona
     * fide and the verdict compares it with `threshold` (the configured operating point).
     * `reliable` is false for the telephone-band model, whose scores are weak evidence.
     */
    "deepfake": {
      scope: "utterance" | "rolling";
      status: "ok" | "insufficient_speech";
      reason?: string;
      verdict: "bonafide" | "synthetic" | "insufficient_speech";
      /** Probability that the voice is synthetic, 0 to 1 (even prior). */
      score: number;
      llr: number;
      threshold: number;
      model: "wideband" | "telephone";
      reliable: boolean;
      startMs: number;
      endMs: number;
      /** Voiced speech behind the score, ms. */
      speechMs: number;
    };
  }
}

const num = { type: "number" };
registerEventSchema("deepfake", {
  properties: {
    scope: { type: "string", enum: ["utterance", "rolling"] },
    status: { type: "string", enum: ["ok", "insufficient_speech"] },
    reason: { type: "string" },
    verdict: { type: "string", enum: ["bonafide", "synthetic", "insufficient_speech"] },
    score: num,
    llr: num,
    threshold: num,
    model: { type: "string", enum: ["wideband", "telephone"] },
    reliable: { type: "boolean" },
    startMs: num,
    endMs: num,
    speechMs: num,
  },
  required: ["scope", "status", "verdict", "score", "llr", "threshold", "model", "reliable", "startMs", "endMs", "speechMs"],
});
