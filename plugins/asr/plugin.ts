import { definePlugin, holdEngine, type Plugin, type PluginContext, type Session, SharedResources, type Static, Type } from "../../core/mod.ts";
import type { AsrEngine, AsrSearch } from "./AsrEngine.ts";
import "./events.ts";
import { createPocketsphinxEngine, type PocketsphinxStats } from "./pocketsphinx-engine.ts";
import { AsrSearchSchema } from "./search.ts";
import { type TranscribeMetrics, transcribeTurns } from "./transcribe-turns.ts";

/** Options of the `asr` plugin. */
export const AsrPluginOptions = Type.Object({
  /** What to listen for at the start of each call (change it mid-call with `listenFor`). Default: dictation. */
  search: Type.Union(AsrSearchSchema.anyOf, { default: { type: "dictation" } }),
  /** Audio kept from before the detected start of speech, ms. Default 300. */
  preRollMs: Type.Number({ minimum: 0, maximum: 2000, default: 300 }),
  /** Longest utterance; longer turns are cut into pieces this long, ms. Default 30000. */
  maxUtteranceMs: Type.Number({ minimum: 1000, maximum: 600000, default: 30000 }),
  /** pocketsphinx: model folder (default Debian's /usr/share/pocketsphinx/model/en-us). */
  modelDir: Type.Optional(Type.String()),
  /** pocketsphinx: worker threads (default: cores, at most 4). */
  workers: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  /** pocketsphinx: audio between partial results, ms (default 200). */
  partialIntervalMs: Type.Optional(Type.Number({ minimum: 20, maximum: 10000 })),
  /** pocketsphinx: the second decoding pass at the end of dictation utterances (default false: about a WER point better, finals several times slower). */
  secondPass: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

/** Options of the `asr` plugin. */
export type AsrPluginOptions = Static<typeof AsrPluginOptions>;

/** Engines are shared by every server of the process that asks for the same settings (each holds workers and decoders); the last server to close closes it. */
const engines = new SharedResources<AsrEngine>();

function sharedPocketsphinx(options: AsrPluginOptions) {
  const settings = { modelDir: options.modelDir, workers: options.workers, partialIntervalMs: options.partialIntervalMs, secondPass: options.secondPass };
  return engines.acquire(JSON.stringify(settings), () => createPocketsphinxEngine(settings));
}

/** The plugin's figures, on the server's registry (one set per server). */
function asrMetrics(context: PluginContext, engine: string): TranscribeMetrics {
  const latency = context.metrics.histogram("parley_asr_final_latency_seconds", "From the end of the caller's turn to the final transcript", ["engine"], [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5]);
  const errors = context.metrics.counter("parley_asr_errors_total", "Utterances whose recognition failed, by reason", ["engine", "reason"]);
  return {
    finalLatency: (seconds) => latency.observe({ engine }, seconds),
    error: (reason) => errors.inc({ engine, reason }),
  };
}

/**
 * `parley_asr_decoders_built` and `_freed`, read from the engine when scraped, for engines that
 * count them (pocketsphinx): a decoder costs up to a quarter of a second of CPU and 6 to 58 MB, so
 * one built per call under steady load is a churn to see.
 */
function decoderGauges(context: PluginContext, recognizer: AsrEngine): void {
  const stats = (recognizer as Partial<{ stats(): Partial<PocketsphinxStats> }>).stats;
  if (typeof stats !== "function") return;
  const read = (field: "decodersBuilt" | "decodersFreed") => stats.call(recognizer)[field];
  for (const [field, name, help] of [
    ["decodersBuilt", "parley_asr_decoders_built", "Recognition decoders the running workers have built"],
    ["decodersFreed", "parley_asr_decoders_freed", "Recognition decoders the running workers have freed after they stayed idle"],
  ] as const) {
    if (read(field) === undefined) continue;
    context.metrics.gauge(name, help, [], (gauge) => gauge.set(read(field) ?? 0));
  }
}

/**
 * Builds an `asr` plugin around an engine (or a function that creates one). Without an argument it
 * starts pocketsphinx; when that cannot run (not installed), setup says why, once, and the plugin
 * does nothing, so the rest of the server works. When the server closes, engines the plugin made
 * are closed (a shared pocketsphinx engine when its last server closes); an engine passed in is
 * left to its owner.
 *
 * Needs the `vad` plugin: utterances follow its `vad.speech_start` and `turn.end` events.
 * Emits `transcript.partial`, `transcript` and `asr.error` (see events.ts).
 */
export function createAsrPlugin(engine?: AsrEngine | (() => Promise<AsrEngine>)): Plugin<AsrPluginOptions> {
  return definePlugin({
    name: "asr",
    version: "1.0.0",
    dependencies: { vad: "^1.0.0" },
    options: AsrPluginOptions,
    async setup(context, options) {
      let recognizer: AsrEngine;
      try {
        const hold = holdEngine(engine, () => sharedPocketsphinx(options));
        context.onClose(hold.release);
        recognizer = await hold.value;
      } catch (error) {
        context.log.warn(`speech recognition is off: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      const metrics = asrMetrics(context, recognizer.name);
      decoderGauges(context, recognizer);
      return (session) => transcribeTurns(session, recognizer, options, metrics);
    },
  });
}

/** The `asr` plugin with pocketsphinx: `server.use(vad).use(asr, { search: { type: "grammar", jsgf: digitsGrammar() } })`. */
export const asr: Plugin<AsrPluginOptions> = createAsrPlugin();

/** Makes the ASR plugin listen for `search` from the caller's next utterance on (an IVR menu, a digit string, back to dictation). */
export function listenFor(session: Session, search: AsrSearch): void {
  session.emit({ type: "asr.search", search });
}
