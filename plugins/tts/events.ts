// The TTS plugin's events: their types (merged into core's EventMap) and JSON Schemas.
import { registerEventSchema } from "../../core/mod.ts";
import type { TtsErrorReason } from "./TtsEngine.ts";

declare module "../../core/events.ts" {
  interface EventMap {
    /** Asks the tts plugin to speak (any plugin or the application can emit it; `say()` is the direct call). */
    "tts.say": { text: string; voice?: string; rate?: number; interrupt?: boolean };
    /** The first audio of a text is ready: `firstAudioMs` from the engine's request to its first frame. */
    "tts.started": { playbackId: string; engine: string; text: string; firstAudioMs: number };
    /** A spoken text ended: played out, or cut off (`cancelled`, barge-in). `spokenText`: what the caller heard (all of it when played out; when cut off, up to the last word begun, for engines that mark words). */
    "tts.finished": { playbackId: string; engine: string; text: string; cancelled: boolean; playedMs: number; spokenText?: string };
    /** Synthesis failed; the playback ends with what was already synthesised, and the call goes on. */
    "tts.error": { playbackId: string; engine: string; reason: TtsErrorReason; message: string };
  }
}

const str = { type: "string" };
const num = { type: "number" };
registerEventSchema("tts.say", { properties: { text: str, voice: str, rate: num, interrupt: { type: "boolean" } }, required: ["text"] });
registerEventSchema("tts.started", { properties: { playbackId: str, engine: str, text: str, firstAudioMs: num }, required: ["playbackId", "engine", "text", "firstAudioMs"] });
registerEventSchema("tts.finished", {
  properties: { playbackId: str, engine: str, text: str, cancelled: { type: "boolean" }, playedMs: num, spokenText: str },
  required: ["playbackId", "engine", "text", "cancelled", "playedMs"],
});
registerEventSchema("tts.error", { properties: { playbackId: str, engine: str, reason: str, message: str }, required: ["playbackId", "engine", "reason", "message"] });
