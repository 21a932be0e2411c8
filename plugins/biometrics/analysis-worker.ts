// The biometrics analysis worker: decodes, resamples, extracts features from and scores the WAV
// files the HTTP API receives, one at a time in arrival order, off the main event loop.
// Protocol: analysis-protocol.ts.
import { parentPort, workerData } from "node:worker_threads";
import { lowerThreadPriority } from "../../core/thread-priority.ts";
import { addEnrollment, scoreVerification, utterancesOf, decodeWavTo16k, wavEnrollment } from "./audio-analysis.ts";
import type { AnalysisReply, AnalysisRequest, AnalysisWorkerData } from "./analysis-protocol.ts";
import { BiometricsError } from "./BiometricsError.ts";
import { VoiceprintModel } from "./model.ts";

/** Nice value of the worker thread: a busy machine gives the CPU to the event loop carrying calls first. */
const NICENESS = 10;

const port = parentPort!;
lowerThreadPriority(NICENESS);
const model = new VoiceprintModel((workerData as AnalysisWorkerData).weights);

function analyse(request: AnalysisRequest): AnalysisReply {
  const { job, limits } = request;
  if (request.type === "verify") {
    const utterances = utterancesOf(model, decodeWavTo16k(request.wav).samples, limits.minUtteranceVoicedMs);
    return { type: "verified", job, verification: scoreVerification(model, request.statistics, utterances, limits) };
  }
  const speech = wavEnrollment(model, request.wav, limits.minUtteranceVoicedMs);
  return { type: "enrolled", job, enrollment: addEnrollment(model, request.base, speech, limits) };
}

port.on("message", (request: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    reply = analyse(request);
  } catch (error) {
    reply = error instanceof BiometricsError
      ? { type: "failed", job: request.job, reason: error.reason, message: error.message }
      : { type: "failed", job: request.job, reason: "analysis_failed", message: `analysis failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  port.postMessage(reply);
});
