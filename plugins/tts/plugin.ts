import { Histogram } from "prom-client";
import { definePlugin, holdEngine, type Plugin, type PluginServer, SharedResources } from "../../core/mod.ts";
import { createEspeakEngine } from "./espeak-engine.ts";
import "./events.ts";
import { bindTts, say } from "./say.ts";
import { createFestivalEngine, createFliteEngine } from "./subprocess-engine.ts";
import type { TtsEngine } from "./TtsEngine.ts";

/** Options of the `tts` plugin. */
export interface TtsPluginOptions {
  /** "espeak-ng" (default: WASM, no system package), "flite" or "festival" (subprocesses, when installed). */
  engine: "espeak-ng" | "flite" | "festival";
  /** Default voice of the engine. */
  voice?: string;
  /** Default rate, words per minute. */
  rate?: number;
}

const OPTIONS_SCHEMA = {
  type: "object",
  properties: {
    engine: { enum: ["espeak-ng", "flite", "festival"], default: "espeak-ng" },
    voice: { type: "string", pattern: "^[A-Za-z0-9_+-]+$" },
    rate: { type: "number", minimum: 80, maximum: 450 },
  },
  additionalProperties: false,
};

/** Engines are shared by every server of the process (espeak-ng's worker takes ~0.5 s to start); the last server to close closes it. */
const engines = new SharedResources<TtsEngine>();

function sharedEngine(name: TtsPluginOptions["engine"]) {
  return engines.acquire(name, () => name === "flite" ? createFliteEngine() : name === "festival" ? createFestivalEngine() : createEspeakEngine());
}

function firstAudioHistogram(server: PluginServer): Histogram<"engine"> {
  const registry = server.metrics.registry;
  return (registry.getSingleMetric("parley_tts_first_audio_seconds") as Histogram<"engine"> | undefined) ??
    new Histogram({
      name: "parley_tts_first_audio_seconds",
      help: "From a synthesis request to its first audio frame",
      labelNames: ["engine"],
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers: [registry],
    });
}

/**
 * Builds a `tts` plugin around an engine (or a function that creates one); without an argument the
 * engine comes from the options. Per session it makes `say(session, text)` work and speaks every
 * `tts.say` event. An engine that cannot start (flite not installed) fails the server's start
 * with its reason.
 */
export function createTtsPlugin(engine?: TtsEngine | (() => Promise<TtsEngine>)): Plugin<TtsPluginOptions> {
  /** What each server's setup must release when that server closes (engines the plugin made; one passed in is its owner's). */
  const releases = new WeakMap<PluginServer, () => Promise<void>>();
  return definePlugin<TtsPluginOptions>({
    name: "tts",
    version: "1.0.0",
    options: OPTIONS_SCHEMA,
    async setup(server, options) {
      const hold = holdEngine(engine, () => sharedEngine(options.engine));
      releases.set(server, hold.release);
      const synthesizer = await hold.value;
      const histogram = firstAudioHistogram(server);
      const binding = {
        engine: synthesizer,
        voice: options.voice,
        rate: options.rate,
        firstAudio: (seconds: number) => histogram.observe({ engine: synthesizer.name }, seconds),
      };
      return (session) => {
        const unbind = bindTts(session.id, binding);
        const requests = session.events$.subscribe((event) => {
          if (event.type === "tts.say") say(session, event.text, { voice: event.voice, rate: event.rate, interrupt: event.interrupt });
        });
        return () => {
          requests.unsubscribe();
          unbind();
        };
      };
    },
    async close(server) {
      const release = releases.get(server);
      releases.delete(server);
      await release?.();
    },
  });
}

/** The `tts` plugin with the engine its options name: `server.use(tts)` (espeak-ng) or `server.use(tts, { engine: "flite" })`. */
export const tts: Plugin<TtsPluginOptions> = createTtsPlugin();
