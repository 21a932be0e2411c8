// The plugins `npm start` runs, in their order, in one place: examples/server.ts serves them and
// bench/soak.ts soaks them, so the soak measures exactly what a default server runs.
import type { ParleyServer } from "../core/mod.ts";
import { type AsrEngine, createAsrPlugin } from "../plugins/asr/mod.ts";
import { bargeIn } from "../plugins/barge-in/mod.ts";
import { biometrics } from "../plugins/biometrics/mod.ts";
import { consolePlugin } from "../plugins/console/mod.ts";
import { deepfake } from "../plugins/deepfake/mod.ts";
import { emotion } from "../plugins/emotion/mod.ts";
import { latency } from "../plugins/latency/mod.ts";
import { tts } from "../plugins/tts/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { voicebot } from "./voicebot/mod.ts";

/** Where the default plugins keep what outlives a call, and which recogniser they use. */
export interface DefaultPluginOptions {
  /** The biometrics plugin's voiceprint directory. */
  voiceprints: string;
  /** The speech recogniser's engine; default pocketsphinx (the load bench passes one that recognises nothing). */
  asrEngine?: AsrEngine;
}

/**
 * Adds the default plugins to `server`: the console, the voice bot (with voice activity, speech
 * recognition, barge-in, synthesis and latency metrics behind it) and the caller analytics
 * (emotion, synthetic voice, voice biometrics).
 */
export function useDefaultPlugins(server: ParleyServer, options: DefaultPluginOptions): ParleyServer {
  return server.use(consolePlugin)
    // 350 ms of silence ends a caller's turn: a voice-to-voice p50 under 500 ms (bench:conversation).
    .use(vad, { minSilenceMs: 350 })
    .use(createAsrPlugin(options.asrEngine))
    .use(bargeIn)
    .use(tts)
    .use(latency)
    .use(voicebot())
    // Caller analytics on every call, from one shared feature stream per session.
    .use(emotion)
    .use(deepfake)
    .use(biometrics, { directory: options.voiceprints });
}
