// A recognition worker: pocketsphinx decoders, called in-process through koffi, for any number of
// streams. Decoding is synchronous native work, so it lives here and never on the main event
// loop; messages are handled one at a time, in order. Protocol: pocketsphinx-protocol.ts.
import { parentPort, workerData } from "node:worker_threads";
import { AsrError } from "./AsrEngine.ts";
import { DecoderPool } from "./decoder-pool.ts";
import { releaseFreedMemory } from "../../core/release-memory.ts";
import { PocketsphinxDecoder, SharedModels } from "./pocketsphinx-decoder.ts";
import { loadPocketsphinx, type PocketsphinxLibrary } from "./pocketsphinx-library.ts";
import type { DecoderKind, PocketsphinxWorkerConfig, WorkerReply, WorkerRequest } from "./pocketsphinx-protocol.ts";
import { lowerThreadPriority } from "./thread-priority.ts";

/**
 * An idle decoder beyond the warm ones is freed after this long unused, ms: long enough that a
 * worker under steady load keeps the decoders it needs instead of rebuilding one per call (see
 * decoder-pool.ts), short enough that a burst's extra decoders (6 to 58 MB each) go after it.
 */
const IDLE_DECODER_MS = 60_000;
/** How often idle decoders are looked at, ms. */
const TRIM_INTERVAL_MS = 5_000;

/** Audio of a new line's first utterance held back to estimate the line (see pocketsphinx-cmn.ts). */
const ESTIMATE_SAMPLES = 16000;

/** An utterance in progress. */
interface Utterance {
  decoder: PocketsphinxDecoder;
  /** Audio held until there is enough to estimate a new line; undefined once decoding has started. */
  held?: Int16Array[];
  heldSamples: number;
  samplesSinceLook: number;
  lastHypothesis: string;
  decodeMs: number;
}

const port = parentPort!;
const config = workerData as PocketsphinxWorkerConfig;
const utterances = new Map<number, Utterance>();
const partialSamples = (16000 * config.partialIntervalMs) / 1000;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

/** Tells the engine how many decoders this worker has built and freed (a decoder built per call shows there). */
function reportDecoders(): void {
  const { built, freed } = pool.stats();
  reply({ type: "decoders", built, freed });
}

let lib: PocketsphinxLibrary;
/** The language model and dictionary, loaded once for all of this worker's decoders. */
let shared: SharedModels;
/** Grammars and keywords run on plain decoders, tuned for them; dictation needs the language model. */
const pool = new DecoderPool<DecoderKind, PocketsphinxDecoder>((kind) => new PocketsphinxDecoder(lib, config, kind, shared), {
  idleMs: IDLE_DECODER_MS,
  keep: { dictation: config.warmDecoders.filter((kind) => kind === "dictation").length, plain: config.warmDecoders.filter((kind) => kind === "plain").length },
});
try {
  lowerThreadPriority(config.niceness);
  lib = loadPocketsphinx(config.libraries);
  shared = new SharedModels(lib, config);
  const warm = config.warmDecoders.map((kind) => pool.acquire(kind));
  for (const decoder of warm) pool.release(decoder);
  // The worker's life is the engine's to decide (it unrefs and terminates it), so this timer may stay referenced.
  setInterval(() => {
    if (pool.trim() === 0) return;
    releaseFreedMemory();
    reportDecoders();
  }, TRIM_INTERVAL_MS);
  reply({ type: "ready" });
  reportDecoders();
} catch (error) {
  const reason = error instanceof AsrError ? error.reason : "engine_unavailable";
  reply({ type: "failed", reason, message: error instanceof Error ? error.message : String(error) });
}

/** Decodes audio and, every `partialIntervalMs`, reports a changed hypothesis. */
function decode(id: number, utterance: Utterance, samples: Int16Array): void {
  utterance.decoder.process(samples);
  utterance.samplesSinceLook += samples.length;
  if (utterance.samplesSinceLook >= partialSamples) {
    utterance.samplesSinceLook = 0;
    const text = utterance.decoder.hypothesis();
    if (text && text !== utterance.lastHypothesis) {
      utterance.lastHypothesis = text;
      reply({ type: "partial", stream: id, result: { text, words: [], confidence: 0, final: false } });
    }
  }
}

/** Estimates the new line from the held audio, then starts the utterance and decodes that audio. */
function startHeld(id: number, utterance: Utterance): void {
  const held = concat(utterance.held!);
  utterance.held = undefined;
  utterance.decoder.estimateLine(held);
  utterance.decoder.start();
  if (held.length > 0) decode(id, utterance, held);
}

function handle(message: WorkerRequest): void {
  switch (message.type) {
    case "open": {
      const built = pool.stats().built;
      const decoder = pool.acquire(message.search.type === "dictation" ? "dictation" : "plain");
      if (pool.stats().built > built) reportDecoders();
      const estimate = !message.cmnMean && decoder.canEstimateLine;
      try {
        decoder.use(message.search);
        if (!estimate) {
          decoder.setCmnMean(message.cmnMean);
          decoder.start();
        }
      } catch (error) {
        pool.release(decoder);
        throw error;
      }
      utterances.set(message.stream, { decoder, held: estimate ? [] : undefined, heldSamples: 0, samplesSinceLook: 0, lastHypothesis: "", decodeMs: 0 });
      reply({ type: "opened", stream: message.stream });
      return;
    }
    case "audio": {
      const utterance = utterances.get(message.stream);
      if (!utterance) return;
      const started = performance.now();
      const samples = new Int16Array(message.samples);
      if (utterance.held) {
        utterance.held.push(samples);
        utterance.heldSamples += samples.length;
        if (utterance.heldSamples >= ESTIMATE_SAMPLES) startHeld(message.stream, utterance);
      } else {
        decode(message.stream, utterance, samples);
      }
      utterance.decodeMs += performance.now() - started;
      return;
    }
    case "finish": {
      const utterance = utterances.get(message.stream);
      if (!utterance) return;
      utterances.delete(message.stream);
      const started = performance.now();
      try {
        if (utterance.held) startHeld(message.stream, utterance);
        const result = utterance.decoder.finish();
        const decodeMs = utterance.decodeMs + performance.now() - started;
        reply({ type: "final", stream: message.stream, result, decodeMs, cmnMean: utterance.decoder.cmnMean() });
      } finally {
        pool.release(utterance.decoder);
      }
      return;
    }
    case "cancel": {
      const utterance = utterances.get(message.stream);
      if (!utterance) return;
      utterances.delete(message.stream);
      if (!utterance.held) utterance.decoder.abandon();
      pool.release(utterance.decoder);
      return;
    }
  }
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

port.on("message", (message: WorkerRequest) => {
  try {
    handle(message);
  } catch (error) {
    const utterance = utterances.get(message.stream);
    if (utterance) {
      utterances.delete(message.stream);
      if (!utterance.held) utterance.decoder.abandon();
      pool.release(utterance.decoder);
    }
    const reason = error instanceof AsrError ? error.reason : "decoder_failed";
    reply({ type: "error", stream: message.stream, reason, message: error instanceof Error ? error.message : String(error) });
  }
});
