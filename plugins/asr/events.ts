// The ASR plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";
import type { AsrErrorReason, AsrSearch, AsrWord } from "./AsrEngine.ts";

/** How an utterance's end was decided. */
export type UtteranceEnd = "turn_end" | "max_duration";

declare module "../../core/events.ts" {
  interface EventMap {
    /** What the caller is saying, so far (changes as audio comes). */
    "transcript.partial": { utteranceId: string; text: string; startMs: number };
    /** What the caller said in one turn (or one `maxUtteranceMs` piece of a long turn). Media times in ms. */
    "transcript": {
      utteranceId: string;
      text: string;
      confidence: number;
      words: AsrWord[];
      startMs: number;
      endMs: number;
      /** From the end of the caller's turn (`turn.end`) to this result, ms of wall-clock time. */
      latencyMs: number;
      engine: string;
      search: AsrSearch["type"];
      endpoint: UtteranceEnd;
    };
    /** Recognition failed for an utterance (or could not start); the call goes on and the next turn is tried again. */
    "asr.error": { engine: string; reason: AsrErrorReason; message: string; utteranceId?: string };
    /** Asks the ASR plugin to listen for something else from the next utterance on (see `listenFor`). */
    "asr.search": { search: AsrSearch };
  }
}

const str = { type: "string" };
const num = { type: "number" };
/** Any of the three searches; `additionalProperties` stays open so the serializer keeps what it is given. */
const search = {
  type: "object",
  properties: {
    type: { type: "string", enum: ["dictation", "keywords", "grammar"] },
    jsgf: str,
    keywords: { type: "array", items: { type: "object", properties: { phrase: str, threshold: num }, required: ["phrase"] } },
  },
  required: ["type"],
};
registerEventSchema("transcript.partial", { properties: { utteranceId: str, text: str, startMs: num }, required: ["utteranceId", "text", "startMs"] });
registerEventSchema("transcript", {
  properties: {
    utteranceId: str,
    text: str,
    confidence: num,
    words: {
      type: "array",
      items: { type: "object", properties: { word: str, startMs: num, endMs: num, confidence: num }, required: ["word", "startMs", "endMs", "confidence"] },
    },
    startMs: num,
    endMs: num,
    latencyMs: num,
    engine: str,
    search: { type: "string", enum: ["dictation", "keywords", "grammar"] },
    endpoint: { type: "string", enum: ["turn_end", "max_duration"] },
  },
  required: ["utteranceId", "text", "confidence", "words", "startMs", "endMs", "latencyMs", "engine", "search", "endpoint"],
});
registerEventSchema("asr.error", { properties: { engine: str, reason: str, message: str, utteranceId: str }, required: ["engine", "reason", "message"] });
registerEventSchema("asr.search", { properties: { search }, required: ["search"] });
