import { definePlugin, type Plugin, type Static, Type } from "../../core/mod.ts";
import "./events.ts";
import { guardPlayback } from "./guard.ts";

/**
 * Backchannels of English phone calls: acknowledgements that do not take the floor. Their words
 * (split at hyphens) are all in pocketsphinx's dictionary, so a grammar can list them (see
 * examples/voicebot), and they cover what it writes for them there: "uh-huh" comes out as "mhm",
 * "aha" or "uh", "yeah" as "yep" or "yup".
 */
export const DEFAULT_BACKCHANNELS = ["uh-huh", "mm-hmm", "mhm", "hmm", "mm", "uh", "um", "ah", "aha", "oh", "yeah", "yep", "yup", "right", "alright", "okay", "ok"];

/** Options of the `barge-in` plugin. */
export const BargeInPluginOptions = Type.Object({
  // 200 ms: coughs, clicks and breaths mostly last under 200 ms, while "no" and "stop" last longer;
  // the caller does not wait for it, since the playback is already held while the guard decides.
  /** Speech over a playback must last this long to cut it off, ms. Default 200. */
  minSpeechMs: Type.Number({ minimum: 0, maximum: 2000, default: 200 }),
  /** The vad plugin's `hangoverMs` (default 150): how late it reports that a stretch of speech ended. */
  hangoverMs: Type.Number({ minimum: 0, maximum: 5000, default: 150 }),
  /** Words that alone are a backchannel, not an interruption ("uh-huh"); judged on the asr plugin's partial transcripts. `[]` turns the word check off. */
  backchannels: Type.Array(Type.String({ minLength: 1 }), { default: DEFAULT_BACKCHANNELS }),
  // 2000: the words of a call's first turn may only come with its final transcript (pocketsphinx
  // estimates the line from the first second of audio before it decodes): the endpointing
  // silence plus recognition after the end of the speech, 0.8-1.4 s measured on a busy 2-core
  // machine. A real interruption goes on talking and is cut off on its partials long before.
  /** Longest hold while the words are still unknown, ms from the onset and again from the end of the speech; then the playback is cut off. Default 2000. */
  maxHoldMs: Type.Number({ minimum: 0, maximum: 10000, default: 2000 }),
}, { additionalProperties: false });

/** Options of the `barge-in` plugin. */
export type BargeInPluginOptions = Static<typeof BargeInPluginOptions>;

/**
 * The `barge-in` plugin: when the caller starts speaking over a playback (`vad.speech_start`), the
 * playback stops at once; speech that turns out to be a cough or a backchannel lets it go on,
 * anything else cuts it off (`barge-in` event, WebSocket `clear`). Needs the `vad` plugin; uses the
 * `asr` plugin's partial transcripts for the backchannel check when it is registered first.
 * Reaction times go to `parley_barge_in_reaction_seconds`.
 */
export const bargeIn: Plugin<BargeInPluginOptions> = definePlugin({
  name: "barge-in",
  version: "1.0.0",
  dependencies: { vad: "^1.0.0" },
  options: BargeInPluginOptions,
  setup(context, options) {
    const reaction = context.metrics.histogram(
      "parley_barge_in_reaction_seconds",
      "From the onset of the caller's speech over a playback to its audio stopping",
      [],
      [0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1],
    );
    const transcripts = context.plugins().has("asr");
    return (session) => guardPlayback(session, { ...options, transcripts, reaction: (seconds) => reaction.observe(seconds) });
  },
});
