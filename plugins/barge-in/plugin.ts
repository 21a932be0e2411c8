import { Histogram } from "prom-client";
import { definePlugin, type Plugin } from "../../core/mod.ts";
import "./events.ts";
import { guardPlayback } from "./guard.ts";

/** Options of the `barge-in` plugin. */
export interface BargeInPluginOptions {
  /** Speech over a playback must last this long to cut it off, ms. Default 200. */
  minSpeechMs: number;
  /** The vad plugin's `hangoverMs` (default 150): how late it reports that a stretch of speech ended. */
  hangoverMs: number;
  /** Words that alone are a backchannel, not an interruption ("uh-huh"); judged on the asr plugin's partial transcripts. `[]` turns the word check off. */
  backchannels: string[];
  /** Longest hold while the words are still unknown, ms from the onset and again from the end of the speech; then the playback is cut off. Default 2000. */
  maxHoldMs: number;
}

/**
 * Backchannels of English phone calls: acknowledgements that do not take the floor. Their words
 * (split at hyphens) are all in pocketsphinx's dictionary, so a grammar can list them (see
 * examples/voicebot), and they cover what it writes for them there: "uh-huh" comes out as "mhm",
 * "aha" or "uh", "yeah" as "yep" or "yup".
 */
export const DEFAULT_BACKCHANNELS = ["uh-huh", "mm-hmm", "mhm", "hmm", "mm", "uh", "um", "ah", "aha", "oh", "yeah", "yep", "yup", "right", "alright", "okay", "ok"];

const OPTIONS_SCHEMA = {
  type: "object",
  properties: {
    // 200 ms: coughs, clicks and breaths mostly last under 200 ms, while "no" and "stop" last longer;
    // the caller does not wait for it, since the playback is already held while the guard decides.
    minSpeechMs: { type: "number", minimum: 0, maximum: 2000, default: 200 },
    hangoverMs: { type: "number", minimum: 0, maximum: 5000, default: 150 },
    backchannels: { type: "array", items: { type: "string", minLength: 1 }, default: DEFAULT_BACKCHANNELS },
    // 2000: the words of a call's first turn may only come with its final transcript (pocketsphinx
    // estimates the line from the first second of audio before it decodes): the endpointing
    // silence plus recognition after the end of the speech, 0.8-1.4 s measured on a busy 2-core
    // machine. A real interruption goes on talking and is cut off on its partials long before.
    maxHoldMs: { type: "number", minimum: 0, maximum: 10000, default: 2000 },
  },
  additionalProperties: false,
};

/**
 * The `barge-in` plugin: when the caller starts speaking over a playback (`vad.speech_start`), the
 * playback stops at once; speech that turns out to be a cough or a backchannel lets it go on,
 * anything else cuts it off (`barge-in` event, WebSocket `clear`). Needs the `vad` plugin; uses the
 * `asr` plugin's partial transcripts for the backchannel check when it is registered first.
 * Reaction times go to `parley_barge_in_reaction_seconds`.
 */
export const bargeIn: Plugin<BargeInPluginOptions> = definePlugin<BargeInPluginOptions>({
  name: "barge-in",
  version: "1.0.0",
  dependencies: { vad: "^1.0.0" },
  options: OPTIONS_SCHEMA,
  setup(server, options) {
    const reaction = new Histogram({
      name: "parley_barge_in_reaction_seconds",
      help: "From the onset of the caller's speech over a playback to its audio stopping",
      buckets: [0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5, 1],
      registers: [server.metrics.registry],
    });
    const transcripts = server.plugins().has("asr");
    return (session) => guardPlayback(session, { ...options, transcripts, reaction: (seconds) => reaction.observe(seconds) });
  },
});
