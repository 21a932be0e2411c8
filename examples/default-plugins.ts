// The plugins `npm start` runs, in their order, in one place: the `parley` command serves them and
// bench/soak.ts soaks them, so the soak measures exactly what a default server runs.
import type { ParleyServer } from "../core/mod.ts";
import { type AsrEngine, createAsrPlugin } from "../plugins/asr/mod.ts";
import { bargeIn } from "../plugins/barge-in/mod.ts";
import { biometrics } from "../plugins/biometrics/mod.ts";
import { consolePlugin } from "../plugins/console/mod.ts";
import { deepfake } from "../plugins/deepfake/mod.ts";
import { emotion } from "../plugins/emotion/mod.ts";
import { latency } from "../plugins/latency/mod.ts";
import { kpi } from "../plugins/kpi/mod.ts";
import { postcall, type PostcallOptions } from "../plugins/postcall/mod.ts";
import { recording, type RecordingOptions } from "../plugins/recording/mod.ts";
import { routing, type RoutingOptions } from "../plugins/routing/mod.ts";
import { tts } from "../plugins/tts/mod.ts";
import { vad } from "../plugins/vad/mod.ts";
import { voicebot } from "./voicebot/mod.ts";

/** Where the default plugins keep what outlives a call, and which recogniser they use. */
export interface DefaultPluginOptions {
  /** The biometrics plugin's voiceprint directory. */
  voiceprints: string;
  /** The key the voiceprint files are encrypted with; none: unencrypted. */
  voiceprintKey?: string;
  /** The speech recogniser's engine; default pocketsphinx (the load bench passes one that recognises nothing). */
  asrEngine?: AsrEngine;
  /** The routing plugin's queues, agents and policy; default one "support" queue, agents added by the API. */
  routing?: Partial<RoutingOptions>;
  /** The recording plugin's options; none: calls are not recorded (the `parley` command's `--recordings`). */
  recording?: Partial<RecordingOptions> & { directory: string };
  /** The postcall plugin's options; none: no post-call records (the `parley` command's `--postcall`). */
  postcall?: Partial<PostcallOptions> & { directory: string };
}

/**
 * Adds the default plugins to `server`: the console, the voice bot (with voice activity, speech
 * recognition, barge-in, synthesis and latency metrics behind it), the caller analytics
 * (emotion, synthetic voice, voice biometrics), routing to human agents and the call center's KPIs;
 * and the recording of every call when `options.recording` names a folder.
 */
export function useDefaultPlugins(server: ParleyServer, options: DefaultPluginOptions): ParleyServer {
  server.use(consolePlugin)
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
    .use(biometrics, { directory: options.voiceprints, ...(options.voiceprintKey && { key: options.voiceprintKey }) })
    // People after the bot: a "support" queue; agents are added by the API (POST /v1/agents) and sign in at /agent.
    .use(routing, options.routing)
    // The call center's figures (containment, handle time, service level, CSAT...) from every call's events.
    .use(kpi);
  // Last, so that records and recordings hold the events of every plugin before them.
  if (options.postcall) server.use(postcall, options.postcall);
  return options.recording ? server.use(recording, options.recording) : server;
}
