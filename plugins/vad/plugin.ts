import { finalize } from "rxjs";
import { definePlugin, type Logger, type Plugin, type Static, StringEnum, Type } from "../../core/mod.ts";
import { endpoint } from "./endpoint.ts";
import "./events.ts";
import { createSileroVad } from "./silero-vad.ts";
import type { VoiceActivityDetector } from "./VoiceActivityDetector.ts";
import { createWebRtcVad } from "./webrtc-vad.ts";

/** Options of the `vad` plugin. */
export const VadPluginOptions = Type.Object({
  /** "webrtc" (default: WASM, inline, cheap) or "silero" (neural, in a worker; more robust to noise). */
  engine: StringEnum(["webrtc", "silero"], { default: "webrtc" }),
  /** WebRTC VAD aggressiveness, 0-3. */
  mode: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2), Type.Literal(3)], { default: 3 }),
  /** Silero speech probability threshold. */
  threshold: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5 }),
  /** Rate the detector listens at (the session's audio is resampled once per rate and shared). */
  sampleRate: Type.Union([Type.Literal(8000), Type.Literal(16000)], { default: 16000 }),
  /** Speech must add up to this much before `vad.speech_start` fires (guards against clicks), ms. */
  minSpeechMs: Type.Number({ minimum: 0, maximum: 5000, default: 60 }),
  /** Non-speech this long ends a speech segment (`vad.speech_end`); shorter gaps are part of it, ms. */
  hangoverMs: Type.Number({ minimum: 0, maximum: 5000, default: 150 }),
  /** Silence this long after the last speech ends the caller's turn (`turn.end`), ms; at least `hangoverMs`. */
  minSilenceMs: Type.Number({ minimum: 0, maximum: 10000, default: 500 }),
}, { additionalProperties: false });

/** Options of the `vad` plugin. */
export type VadPluginOptions = Static<typeof VadPluginOptions>;

/** Engines are shared by every server of the process that asks for the same settings. */
const engines = new Map<string, Promise<VoiceActivityDetector>>();

/**
 * The engine the options ask for. Silero needs onnxruntime-node and its model; when either is
 * missing (or fails to load on this runtime) the plugin says so once and uses the WebRTC VAD.
 */
async function engineFor(options: VadPluginOptions, log: Logger): Promise<VoiceActivityDetector> {
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
      log.warn(`Silero VAD cannot run here (${error instanceof Error ? error.message : String(error)}); using the WebRTC VAD instead`);
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
  return definePlugin({
    name: "vad",
    version: "1.0.0",
    options: VadPluginOptions,
    async setup(context, options) {
      const engine = typeof detector === "function" ? await detector() : detector ?? (await engineFor(options, context.log));
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
