// The TTS plugin's events, declared once: TypeBox schemas (registered for the serializers) whose
// types merge into Parley's EventMap.
import { defineEvents, type EventTypes, Type } from "../../core/mod.ts";
import type { TtsErrorReason } from "./TtsEngine.ts";

/** The TTS plugin's events. */
export const TTS_EVENTS = defineEvents({
  /** Asks the tts plugin to speak (any plugin or the application can emit it; `say()` is the direct call). */
  "tts.say": Type.Object({
    text: Type.String(),
    voice: Type.Optional(Type.String()),
    rate: Type.Optional(Type.Number()),
    interrupt: Type.Optional(Type.Boolean()),
  }),
  /** The first audio of a text is ready: `firstAudioMs` from the engine's request to its first frame (0 when `cached`: said before, played without the engine). */
  "tts.started": Type.Object({ playbackId: Type.String(), engine: Type.String(), text: Type.String(), firstAudioMs: Type.Number(), cached: Type.Optional(Type.Boolean()) }),
  /** A spoken text ended: played out, or cut off (`cancelled`, barge-in). `spokenText`: what the caller heard (all of it when played out; when cut off, up to the last word begun, for engines that mark words). */
  "tts.finished": Type.Object({
    playbackId: Type.String(),
    engine: Type.String(),
    text: Type.String(),
    cancelled: Type.Boolean(),
    playedMs: Type.Number(),
    spokenText: Type.Optional(Type.String()),
  }),
  /** Synthesis failed; the playback ends with what was already synthesised, and the call goes on. */
  "tts.error": Type.Object({
    playbackId: Type.String(),
    engine: Type.String(),
    /** The engine's reason code (TtsEngine.ts). */
    reason: Type.Unsafe<TtsErrorReason>(Type.String()),
    message: Type.String(),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof TTS_EVENTS> {}
}
