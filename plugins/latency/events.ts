// The latency plugin's event: its type (merged into core's EventMap) and JSON Schema.
import { registerEventSchema } from "../../core/mod.ts";

declare module "../../core/events.ts" {
  interface EventMap {
    /** One turn's voice-to-voice time: the caller stopped speaking, and the bot's next playback began on the wire. */
    "latency.voice_to_voice": {
      playbackId: string;
      /** Wall-clock ms from the end of the caller's speech to the first audio frame of the reply being sent. */
      voiceToVoiceMs: number;
      /** Of it, the endpointing silence: how long the vad waited to be sure the turn was over, ms. */
      endpointMs: number;
      /** Media time the caller's speech ended, ms. */
      speechEndMs: number;
    };
  }
}

const num = { type: "number" };
registerEventSchema("latency.voice_to_voice", {
  properties: { playbackId: { type: "string" }, voiceToVoiceMs: num, endpointMs: num, speechEndMs: num },
  required: ["playbackId", "voiceToVoiceMs", "endpointMs", "speechEndMs"],
});
