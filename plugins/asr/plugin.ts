import { Gauge, Histogram } from "prom-client";
import { definePlugin, type Plugin, type PluginServer, type Session, SharedResources, holdEngine } from "../../core/mod.ts";
import type { AsrEngine, AsrSearch } from "./AsrEngine.ts";
import "./events.ts";
import { createPocketsphinxEngine, type PocketsphinxStats } from "./pocketsphinx-engine.ts";
import { type TranscribeMetrics, transcribeTurns } from "./transcribe-turns.ts";

/** Options of the `asr` plugin. */
export interface AsrPluginOptions {
  /** What to listen for at the start of each call (change it mid-call with `listenFor`). Default: dictation. */
  search: AsrSearch;
  /** Audio kept from before the detected start of speech, ms. Default 300. */
  preRollMs: number;
  /** Longest utterance; longer turns are cut into pieces this long, ms. Default 30000. */
  maxUtteranceMs: number;
  /** pocketsphinx: model folder (default Debian's /usr/share/pocketsphinx/model/en-us). */
  modelDir?: string;
  /** pocketsphinx: worker threads (default: cores, at most 4). */
  workers?: number;
  /** pocketsphinx: audio between partial results, ms (default 200). */
  partialIntervalMs?: number;
  /** pocketsphinx: the second decoding pass at the end of dictation utterances (default false: about a WER point better, finals several times slower). */
  secondPass?: boolean;
}

const SEARCH_SCHEMA = {
  oneOf: [
    { type: "object", properties: { type: { const: "dictation" } }, required: ["type"], additionalProperties: false },
    {
      type: "object",
      properties: {
        type: { const: "keywords" },
        keywords: {
          type: "array",
          minItems: 1,
          items: { type: "object", properties: { phrase: { type: "string", minLength: 1 }, threshold: { type: "number", exclusiveMinimum: 0 } }, required: ["phrase"], additionalProperties: false },
        },
      },
      required: ["type", "keywords"],
      additionalProperties: false,
    },
    { type: "object", properties: { type: { const: "grammar" }, jsgf: { type: "string", minLength: 1 } }, required: ["type", "jsgf"], additionalProperties: false },
  ],
};

const OPTIONS_SCHEMA = {
  type: "object",
  properties: {
    search: { ...SEARCH_SCHEMA, default: { type: "dictation" } },
    preRollMs: { type: "number", minimum: 0, maximum: 2000, default: 300 },
    maxUtteranceMs: { type: "number", minimum: 1000, maximum: 600000, default: 30000 },
    modelDir: { type: "string" },
    workers: { type: "integer", minimum: 1, maximum: 64 },
    partialIntervalMs: { type: "number", minimum: 20, maximum: 10000 },
    secondPass: { type: "boolean" },
  },
  additionalProperties: false,
};

/** Engines are shared by every server of the process that asks for the same settings (each holds workers and decoders); the last server to close closes it. */
const engines = new SharedResources<AsrEngine>();

function sharedPocketsphinx(options: AsrPluginOptions) {
  const settings = { modelDir: options.modelDir, workers: options.workers, partialIntervalMs: options.partialIntervalMs, secondPass: options.secondPass };
  return engines.acquire(JSON.stringify(settings), () => createPocketsphinxEngine(settings));
}

/** The plugin's figures, on the server's registry (one set per server). */
function asrMetrics(server: PluginServer, engine: string): TranscribeMetrics {
  const registry = server.metrics.registry;
  const latency = (registry.getSingleMetric("parley_asr_final_latency_seconds") as Histogram<"engine"> | undefined) ??
    new Histogram({
      name: "parley_asr_final_latency_seconds",
      help: "From the end of the caller's turn to the final transcript",
      labelNames: ["engine"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5],
      registers: [registry],
    });
  const errors = server.metrics.counter("parley_asr_errors_total", "Utterances whose recognition failed, by reason", ["engine", "reason"]);
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
function decoderGauges(server: PluginServer, recognizer: AsrEngine): void {
  const stats = (recognizer as Partial<{ stats(): Partial<PocketsphinxStats> }>).stats;
  const registry = server.metrics.registry;
  if (typeof stats !== "function" || registry.getSingleMetric("parley_asr_decoders_built")) return;
  const read = (field: "decodersBuilt" | "decodersFreed") => stats.call(recognizer)[field];
  for (const [field, name, help] of [
    ["decodersBuilt", "parley_asr_decoders_built", "Recognition decoders the running workers have built"],
    ["decodersFreed", "parley_asr_decoders_freed", "Recognition decoders the running workers have freed after they stayed idle"],
  ] as const) {
    if (read(field) === undefined) continue;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(field) ?? 0);
      },
    });
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
  /** What each server's setup must release when that server closes. */
  const releases = new WeakMap<PluginServer, () => Promise<void>>();
  return definePlugin<AsrPluginOptions>({
    name: "asr",
    version: "1.0.0",
    dependencies: { vad: "^1.0.0" },
    options: OPTIONS_SCHEMA,
    async setup(server, options) {
      let recognizer: AsrEngine;
      try {
        const hold = holdEngine(engine, () => sharedPocketsphinx(options));
        releases.set(server, hold.release);
        recognizer = await hold.value;
      } catch (error) {
        console.warn(`parley asr: speech recognition is off: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      const metrics = asrMetrics(server, recognizer.name);
      decoderGauges(server, recognizer);
      return (session) => transcribeTurns(session, recognizer, options, metrics);
    },
    async close(server) {
      const release = releases.get(server);
      releases.delete(server);
      await release?.();
    },
  });
}

/** The `asr` plugin with pocketsphinx: `server.use(vad).use(asr, { search: { type: "grammar", jsgf: digitsGrammar() } })`. */
export const asr: Plugin<AsrPluginOptions> = createAsrPlugin();

/** Makes the ASR plugin listen for `search` from the caller's next utterance on (an IVR menu, a digit string, back to dictation). */
export function listenFor(session: Session, search: AsrSearch): void {
  session.emit({ type: "asr.search", search });
}
