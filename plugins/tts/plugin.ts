import { definePlugin, holdEngine, type Plugin, SharedResources, type Static, StringEnum, Type } from "../../core/mod.ts";
import { createEspeakEngine } from "./espeak-engine.ts";
import "./events.ts";
import { PromptCache } from "./prompt-cache.ts";
import { bindTts, say } from "./say.ts";
import { createFestivalEngine, createFliteEngine } from "./subprocess-engine.ts";
import type { TtsEngine } from "./TtsEngine.ts";

/** Options of the `tts` plugin. */
export const TtsPluginOptions = Type.Object({
  /** "espeak-ng" (default: WASM, no system package), "flite" or "festival" (subprocesses, when installed). */
  engine: StringEnum(["espeak-ng", "flite", "festival"], { default: "espeak-ng" }),
  /** Default voice of the engine. */
  voice: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_+-]+$" })),
  /** Default rate, words per minute. */
  rate: Type.Optional(Type.Number({ minimum: 80, maximum: 450 })),
  /** Memory for texts said before (greetings, menus, reprompts), replayed without synthesis or encoding, MB; 0 turns it off. */
  cacheMb: Type.Number({ minimum: 0, maximum: 1024, default: 16 }),
}, { additionalProperties: false });

/** Options of the `tts` plugin. */
export type TtsPluginOptions = Static<typeof TtsPluginOptions>;

/** Engines are shared by every server of the process (espeak-ng's worker takes ~0.5 s to start); the last server to close closes it. */
const engines = new SharedResources<TtsEngine>();

function sharedEngine(name: TtsPluginOptions["engine"]) {
  return engines.acquire(name, () => name === "flite" ? createFliteEngine() : name === "festival" ? createFestivalEngine() : createEspeakEngine());
}

/**
 * Builds a `tts` plugin around an engine (or a function that creates one); without an argument the
 * engine comes from the options. Per session it makes `say(session, text)` work and speaks every
 * `tts.say` event. An engine that cannot start (flite not installed) fails the server's start
 * with its reason.
 */
export function createTtsPlugin(engine?: TtsEngine | (() => Promise<TtsEngine>)): Plugin<TtsPluginOptions> {
  return definePlugin({
    name: "tts",
    version: "1.0.0",
    options: TtsPluginOptions,
    async setup(context, options) {
      const hold = holdEngine(engine, () => sharedEngine(options.engine));
      // Engines the plugin made are released with the server; one passed in is its owner's.
      context.onClose(hold.release);
      const synthesizer = await hold.value;
      const histogram = context.metrics.histogram("parley_tts_first_audio_seconds", "From a synthesis request to its first audio frame", ["engine"], [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
      const lookups = context.metrics.counter("parley_tts_cache_lookups_total", "Texts to speak looked up in the prompt cache, by result", ["result"]);
      const binding = {
        cache: options.cacheMb > 0 ? new PromptCache(options.cacheMb * 1024 * 1024) : undefined,
        cacheLookup: (hit: boolean) => lookups.inc({ result: hit ? "hit" : "miss" }),
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
  });
}

/** The `tts` plugin with the engine its options name: `server.use(tts)` (espeak-ng) or `server.use(tts, { engine: "flite" })`. */
export const tts: Plugin<TtsPluginOptions> = createTtsPlugin();
