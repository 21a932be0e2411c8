// A recognition worker: pocketsphinx decoders, called in-process through koffi, for any number of
// streams. Decoding is synchronous native work, so it lives here and never on the main event
// loop; messages are handled one at a time, in order. Protocol: pocketsphinx-protocol.ts.
import { parentPort, workerData } from "node:worker_threads";
import { AsrError } from "./AsrEngine.ts";
import { PocketsphinxDecoder } from "./pocketsphinx-decoder.ts";
import { loadPocketsphinx, type PocketsphinxLibrary } from "./pocketsphinx-library.ts";
import type { DecoderKind, PocketsphinxWorkerConfig, WorkerReply, WorkerRequest } from "./pocketsphinx-protocol.ts";

/** Idle decoders kept per kind; more are freed (each holds tens of MB). */
const MAX_IDLE_DECODERS = 4;

/** An utterance in progress. */
interface Utterance {
  decoder: PocketsphinxDecoder;
  samplesSinceLook: number;
  lastHypothesis: string;
  decodeMs: number;
}

const port = parentPort!;
const config = workerData as PocketsphinxWorkerConfig;
const idle: Record<DecoderKind, PocketsphinxDecoder[]> = { dictation: [], plain: [] };
const utterances = new Map<number, Utterance>();
const partialSamples = (16000 * config.partialIntervalMs) / 1000;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

let lib: PocketsphinxLibrary;
try {
  lib = loadPocketsphinx(config.libraries);
  for (const kind of config.warmDecoders) idle[kind].push(new PocketsphinxDecoder(lib, config, kind));
  reply({ type: "ready" });
} catch (error) {
  const reason = error instanceof AsrError ? error.reason : "engine_unavailable";
  reply({ type: "failed", reason, message: error instanceof Error ? error.message : String(error) });
}

/** An idle decoder able to run the search, else a new one (grammars prefer the smaller kind). */
function acquire(dictation: boolean): PocketsphinxDecoder {
  if (dictation) return idle.dictation.pop() ?? new PocketsphinxDecoder(lib, config, "dictation");
  return idle.plain.pop() ?? idle.dictation.pop() ?? new PocketsphinxDecoder(lib, config, "plain");
}

function release(decoder: PocketsphinxDecoder): void {
  if (idle[decoder.kind].length < MAX_IDLE_DECODERS) idle[decoder.kind].push(decoder);
  else decoder.free();
}

function handle(message: WorkerRequest): void {
  switch (message.type) {
    case "open": {
      const decoder = acquire(message.search.type === "dictation");
      try {
        decoder.use(message.search);
        decoder.start();
      } catch (error) {
        release(decoder);
        throw error;
      }
      utterances.set(message.stream, { decoder, samplesSinceLook: 0, lastHypothesis: "", decodeMs: 0 });
      reply({ type: "opened", stream: message.stream });
      return;
    }
    case "audio": {
      const utterance = utterances.get(message.stream);
      if (!utterance) return;
      const started = performance.now();
      utterance.decoder.process(message.samples);
      utterance.samplesSinceLook += message.samples.length;
      if (utterance.samplesSinceLook >= partialSamples) {
        utterance.samplesSinceLook = 0;
        const text = utterance.decoder.hypothesis();
        if (text && text !== utterance.lastHypothesis) {
          utterance.lastHypothesis = text;
          reply({ type: "partial", stream: message.stream, result: { text, words: [], confidence: 0, final: false } });
        }
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
        const result = utterance.decoder.finish();
        reply({ type: "final", stream: message.stream, result, decodeMs: utterance.decodeMs + performance.now() - started });
      } finally {
        release(utterance.decoder);
      }
      return;
    }
    case "cancel": {
      const utterance = utterances.get(message.stream);
      if (!utterance) return;
      utterances.delete(message.stream);
      utterance.decoder.abandon();
      release(utterance.decoder);
      return;
    }
  }
}

port.on("message", (message: WorkerRequest) => {
  try {
    handle(message);
  } catch (error) {
    const utterance = utterances.get(message.stream);
    if (utterance) {
      utterances.delete(message.stream);
      utterance.decoder.abandon();
      release(utterance.decoder);
    }
    const reason = error instanceof AsrError ? error.reason : "decoder_failed";
    reply({ type: "error", stream: message.stream, reason, message: error instanceof Error ? error.message : String(error) });
  }
});
