// The latency plugin's event, declared once: a TypeBox schema (registered for the serializer)
// whose type merges into Parley's EventMap.
import { defineEvents, type EventTypes, Type } from "../../core/mod.ts";

/** The latency plugin's event. */
export const LATENCY_EVENTS = defineEvents({
  /** One turn's voice-to-voice time: the caller stopped speaking, and the bot's next playback began on the wire. */
  "latency.voice_to_voice": Type.Object({
    playbackId: Type.String(),
    /** Wall-clock ms from the end of the caller's speech to the first audio frame of the reply being sent. */
    voiceToVoiceMs: Type.Number(),
    /** Of it, the endpointing silence: how long the vad waited to be sure the turn was over, ms. */
    endpointMs: Type.Number(),
    /** Media time the caller's speech ended, ms. */
    speechEndMs: Type.Number(),
  }),
});

declare module "parley" {
  interface EventMap extends EventTypes<typeof LATENCY_EVENTS> {}
}
