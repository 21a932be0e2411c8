// Messages between the pocketsphinx engine (main thread) and its recognition workers.
import type { AsrErrorReason, AsrResult, AsrSearch } from "./AsrEngine.ts";

/** What a worker needs to build decoders. */
export interface PocketsphinxWorkerConfig {
  /** The acoustic model folder (-hmm). */
  acousticModel: string;
  /** The pronunciation dictionary (-dict). */
  dictionary: string;
  /** The n-gram language model for dictation (-lm). */
  languageModel: string;
  /** Shared libraries to load. */
  libraries: { pocketsphinx: string; sphinxbase: string };
  /** Audio between two looks at the partial hypothesis, ms. */
  partialIntervalMs: number;
  /** Run pocketsphinx's second, flat-lexicon pass at the end of a dictation utterance (-fwdflat). */
  secondPass: boolean;
  /** Decoders a worker builds before it says it is ready, so the first call does not wait for them. */
  warmDecoders: DecoderKind[];
  /** How far the worker thread's nice value is raised above the main thread's (Linux), so the media path wins the CPU from recognition; 0 leaves it. */
  niceness: number;
}

/** A decoder with the dictation language model loaded, or without (grammars and keywords only: faster to build, smaller). */
export type DecoderKind = "dictation" | "plain";

/** From the main thread. */
export type WorkerRequest =
  /** `cmnMean`: the line estimate to start from; when absent, it is estimated from the first second of audio. */
  | { type: "open"; stream: number; search: AsrSearch; cmnMean?: Float32Array }
  /** `samples`: 16-bit samples, as a plain buffer (Deno's worker_threads visits every element of a typed array in a message, looking for ports). */
  | { type: "audio"; stream: number; samples: ArrayBuffer }
  | { type: "finish"; stream: number }
  | { type: "cancel"; stream: number };

/** From a worker. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "failed"; reason: AsrErrorReason; message: string }
  | { type: "opened"; stream: number }
  | { type: "partial"; stream: number; result: AsrResult }
  /** `cmnMean`: the channel estimate after the utterance, for the next utterance of the same channel. */
  | { type: "final"; stream: number; result: AsrResult; decodeMs: number; cmnMean?: Float32Array }
  | { type: "error"; stream: number; reason: AsrErrorReason; message: string }
  /** The worker's decoders built and freed since it started, sent when either changes. */
  | { type: "decoders"; built: number; freed: number };
