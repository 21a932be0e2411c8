import { tap } from "rxjs";
import { definePlugin, type Plugin } from "../../core/mod.ts";
import "./events.ts";
import { voiceToVoice } from "./voice-to-voice.ts";

/**
 * The `latency` plugin: each turn's voice-to-voice time (the caller stops speaking → the first
 * audio frame of the bot's answer is sent) as a `latency.voice_to_voice` event and in
 * `parley_voice_to_voice_seconds`. It sits beside the other plugins' figures:
 * `parley_asr_final_latency_seconds` (end of turn → final transcript; from the end of speech, add
 * the endpointing silence, the vad plugin's `minSilenceMs`), `parley_tts_first_audio_seconds` and
 * `parley_barge_in_reaction_seconds`. Needs the `vad` plugin.
 */
export const latency: Plugin = definePlugin({
  name: "latency",
  version: "1.0.0",
  dependencies: { vad: "^1.0.0" },
  setup(context) {
    const histogram = context.metrics.histogram(
      "parley_voice_to_voice_seconds",
      "From the end of the caller's speech to the first audio packet of the bot's answer",
      [],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1, 1.5, 2, 5],
    );
    return (session) => voiceToVoice(session).pipe(tap((event) => event.type === "latency.voice_to_voice" && histogram.observe(event.voiceToVoiceMs / 1000)));
  },
});
