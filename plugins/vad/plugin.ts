import { finalize } from "rxjs";
import { definePlugin, type Plugin } from "../../core/mod.ts";
import { endpoint } from "./endpoint.ts";
import type { EndpointerOptions } from "./Endpointer.ts";
import "./events.ts";
import { createSileroVad } from "./silero-vad.ts";
import type { VoiceActivityDetector } from "./VoiceActivityDetector.ts";
import { createWebRtcVad } from "./webrtc-vad.ts";

/** Options of the `vad` plugin. */
export interface VadPluginOptions extends EndpointerOptions {
  /** "webrtc" (default: WASM, inline, cheap) or "silero" (neural, in a worker; more robust to noise). */
  engine: "webrtc" | "silero";
  /** WebRTC VAD aggressiveness, 0-3. */
  mode: 0 | 1 | 2 | 3;
  /** Silero speech probability threshold. */
  threshold: number;
  /** Rate the detector listens at (the session's audio is resampled once per rate and shared). */
  sampleRate: 8000 | 16000;
}

const OPTIONS_SCHEMA = {
  type: "object",
  properties: {
    engine: { enum: ["webrtc", "silero"], default: "webrtc" },
    mode: { enum: [0, 1, 2, 3], default: 3 },
    threshold: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5 },
    sampleRate: { enum: [8000, 16000], default: 16000 },
    minSpeechMs: { type: "number", minimum: 0, maximum: 5000, default: 60 },
    hangoverMs: { type: "number", minimum: 0, maximum: 5000, default: 150 },
    minSilenceMs: { type: "number", minimum: 0, maximum: 10000, default: 500 },
  },
  additionalProperties: false,
};

/** Engines are shared by every server of the process that asks for the same settings. */
const engines = new Map<string, Promise<VoiceActivityDetector>>();

/**
 * The engine the options ask for. Silero needs onnxruntime-node and its model; when either is
 * missing (or fails to load on this runtime) the plugin says so once and uses the WebRTC VAD.
 */
async function engineFor(options: VadPluginOptions): Promise<VoiceActivityDetector> {
  if (options.engine === "silero") {
    const key = `silero:${options.threshold}`;
    let silero = engines.get(key);
    if (!silero) {
      silero = createSileroVad({ threshold: options.threshold });
      engines.set(key, silero);
      silero.catch(() => engines.delete(key));
    }
    try {
      return await silero;
    } catch (error) {
      console.warn(`parley vad: Silero VAD cannot run here (${error instanceof Error ? error.message : String(error)}); using the WebRTC VAD instead`);
    }
  }
  const key = `webrtc:${options.mode}`;
  let webrtc = engines.get(key);
  if (!webrtc) engines.set(key, (webrtc = createWebRtcVad({ mode: options.mode })));
  return webrtc;
}

/**
 * Builds a `vad` plugin. Without an argument the engine comes from the options (`engine`); pass a
 * detector (or a function that creates one) to use your own engine.
 *
 * Per session it listens to `session.audio(sampleRate)` and emits `vad.speech_start`,
 * `vad.speech_end` and `turn.end` (see events.ts), all stamped in media time. At hangup the
 * session waits for the detector's last decisions (Silero answers from a worker), so a turn the
 * call's end cuts off still gets its `turn.end`.
 */
export function createVadPlugin(detector?: VoiceActivityDetector | (() => Promise<VoiceActivityDetector>)): Plugin<VadPluginOptions> {
  return definePlugin<VadPluginOptions>({
    name: "vad",
    version: "1.0.0",
    options: OPTIONS_SCHEMA,
    async setup(_server, options) {
      const engine = typeof detector === "function" ? await detector() : detector ?? (await engineFor(options));
      return (session) => {
        let decided!: () => void;
        session.finishing(new Promise<void>((resolve) => (decided = resolve)));
        return engine.classify(session.audio(options.sampleRate)).pipe(endpoint(options), finalize(() => decided()));
      };
    },
  });
}

/** The `vad` plugin with the engine chosen by its options: `server.use(vad, { engine: "silero", minSilenceMs: 400 })`. */
export const vad: Plugin<VadPluginOptions> = createVadPlugin();
